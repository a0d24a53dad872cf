"""Every query of the claim notices."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.claims.models import ClaimNotice, ClaimPayment, ClaimReceipt

IN_FLIGHT = ("paying", "authenticating")


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
    """Take the notice for one payment, atomically: unpaid, or left `paying` by a crashed
    payment that recorded no attempt (before migration 0011: it is retried under its key).

    A stale attempt that was recorded (`claim_payments`) is settled first by the caller (asked
    again under its own key, its challenge canceled): never taken over here.
    One conditional UPDATE: of two concurrent payers only one sees its row change (PostgreSQL
    re-checks the condition once the first commits; SQLite takes its write lock up front).
    """
    recorded = exists().where(
        ClaimPayment.notice_id == ClaimNotice.id, ClaimPayment.attempt == ClaimNotice.attempt
    )
    claimable = or_(
        ClaimNotice.status == "unpaid",
        (ClaimNotice.status == "paying") & (ClaimNotice.claimed_at < stale) & ~recorded,
    )
    result = await session.execute(
        update(ClaimNotice)
        .where(ClaimNotice.id == notice_id, claimable)
        .values(status="paying", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


def _changed(result: object) -> bool:
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _attempt(notice_id: str, attempt: int) -> ColumnElement[bool]:
    """The notice while this attempt of it is under way."""
    return and_(
        ClaimNotice.id == notice_id,
        ClaimNotice.attempt == attempt,
        ClaimNotice.status.in_(IN_FLIGHT),
    )


async def authenticating(
    session: AsyncSession, notice_id: str, attempt: int, reference: str
) -> bool:
    """The attempt waits for the payer's 3-D Secure challenge (its claim time kept: the stale
    delay counts from the claim)."""
    result = await session.execute(
        update(ClaimNotice)
        .where(ClaimNotice.id == notice_id, ClaimNotice.attempt == attempt)
        .where(ClaimNotice.status == "paying")
        .values(status="authenticating", payment_reference=reference)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def release(session: AsyncSession, notice_id: str, attempt: int) -> bool:
    """Give a declined (or canceled) attempt's notice back; the next one uses a new key."""
    result = await session.execute(
        update(ClaimNotice)
        .where(_attempt(notice_id, attempt))
        .values(status="unpaid", claimed_at=None, attempt=ClaimNotice.attempt + 1)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def mark_paid(
    session: AsyncSession, notice_id: str, attempt: int, reference: str, now: datetime
) -> bool:
    """Paid by this attempt's captured charge; False when another settle got there first."""
    result = await session.execute(
        update(ClaimNotice)
        .where(_attempt(notice_id, attempt))
        .values(status="paid", paid_at=now, payment_reference=reference)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def payment(session: AsyncSession, payment_id: str) -> ClaimPayment | None:
    return await session.get(ClaimPayment, payment_id)


async def payment_of(session: AsyncSession, notice_id: str, attempt: int) -> ClaimPayment | None:
    return await session.scalar(
        select(ClaimPayment).where(
            ClaimPayment.notice_id == notice_id, ClaimPayment.attempt == attempt
        )
    )


async def payment_by_reference(session: AsyncSession, reference: str) -> ClaimPayment | None:
    """The attempt the gateway's charge belongs to (a webhook names only the charge)."""
    if not reference:
        return None
    return await session.scalar(
        select(ClaimPayment).where(ClaimPayment.gateway_reference == reference)
    )


async def forget_card(session: AsyncSession, payment_id: str) -> None:
    """A settled attempt is never asked again: its reusable card token is not kept (the payer
    has no account; the receipt keeps the brand and last 4 only)."""
    await session.execute(
        update(ClaimPayment)
        .where(ClaimPayment.id == payment_id)
        .values(card_token="")
        .execution_options(synchronize_session=False)
    )


async def set_reference(session: AsyncSession, payment_id: str, reference: str) -> None:
    await session.execute(
        update(ClaimPayment)
        .where(ClaimPayment.id == payment_id, ClaimPayment.gateway_reference.is_(None))
        .values(gateway_reference=reference)
        .execution_options(synchronize_session=False)
    )


async def receipt(session: AsyncSession, receipt_id: str) -> ClaimReceipt | None:
    return await session.get(ClaimReceipt, receipt_id)


async def receipt_of(session: AsyncSession, notice_id: str) -> ClaimReceipt | None:
    return await session.scalar(select(ClaimReceipt).where(ClaimReceipt.notice_id == notice_id))
