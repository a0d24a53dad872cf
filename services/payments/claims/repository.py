"""Every query of the claim notices."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.claims.models import ClaimNotice, ClaimReceipt


async def by_number(session: AsyncSession, number: str) -> ClaimNotice | None:
    return await session.scalar(select(ClaimNotice).where(ClaimNotice.number == number))


async def numbers_taken(session: AsyncSession, numbers: Sequence[str]) -> set[str]:
    """Which of these notice numbers already exist."""
    found = await session.scalars(select(ClaimNotice.number).where(ClaimNotice.number.in_(numbers)))
    return set(found)


async def on_plates(session: AsyncSession, plates: Sequence[str]) -> Sequence[ClaimNotice]:
    """Notices on any of these plates, newest first."""
    query = (
        select(ClaimNotice)
        .where(ClaimNotice.plate.in_(plates))
        .order_by(ClaimNotice.issued_on.desc(), ClaimNotice.number)
    )
    return (await session.scalars(query)).all()


async def latest(session: AsyncSession, limit: int) -> Sequence[ClaimNotice]:
    """The notices issued last, newest first."""
    query = select(ClaimNotice).order_by(ClaimNotice.created_at.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def claim(session: AsyncSession, notice_id: str, now: datetime, stale: datetime) -> bool:
    """Take the notice for one payment, atomically: unpaid, or left `paying` by a crashed one.

    One conditional UPDATE: of two concurrent payers only one sees its row change (PostgreSQL
    re-checks the condition once the first commits; SQLite takes its write lock up front).
    """
    claimable = or_(
        ClaimNotice.status == "unpaid",
        (ClaimNotice.status == "paying") & (ClaimNotice.claimed_at < stale),
    )
    result = await session.execute(
        update(ClaimNotice)
        .where(ClaimNotice.id == notice_id, claimable)
        .values(status="paying", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def release(session: AsyncSession, notice_id: str) -> None:
    """Give a declined payment's notice back; the next attempt uses a new idempotency key."""
    await session.execute(
        update(ClaimNotice)
        .where(ClaimNotice.id == notice_id, ClaimNotice.status == "paying")
        .values(status="unpaid", claimed_at=None, attempt=ClaimNotice.attempt + 1)
        .execution_options(synchronize_session=False)
    )


async def mark_paid(session: AsyncSession, notice_id: str, now: datetime) -> None:
    await session.execute(
        update(ClaimNotice)
        .where(ClaimNotice.id == notice_id, ClaimNotice.status == "paying")
        .values(status="paid", paid_at=now)
        .execution_options(synchronize_session=False)
    )


async def receipt(session: AsyncSession, receipt_id: str) -> ClaimReceipt | None:
    return await session.get(ClaimReceipt, receipt_id)


async def receipt_of(session: AsyncSession, notice_id: str) -> ClaimReceipt | None:
    return await session.scalar(select(ClaimReceipt).where(ClaimReceipt.notice_id == notice_id))
