"""The SQL of returned debits: finding the debit a return traces to, and what was returned."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pad_return_reasons import needs_new_details
from services.payments.exports.service import montreal_day
from services.payments.models import Charge, Invoice, PaymentMethod
from services.payments.returns.models import PadReturn, ReturnFile


async def file_by_hash(session: AsyncSession, sha256: str) -> ReturnFile | None:
    return await session.scalar(select(ReturnFile).where(ReturnFile.sha256 == sha256))


async def traced_debit(
    session: AsyncSession, cross_reference: str, due_date: date, amount_cents: int
) -> tuple[Charge, Invoice] | None:
    """The PAD debit that went out in the file of `due_date` with this invoice number: a paid
    charge (not one settled before, which sent nothing) completed that Montréal day."""
    start, end = montreal_day(due_date)
    query = (
        select(Charge, Invoice)
        .join(Invoice, Invoice.id == Charge.invoice_id)
        .join(PaymentMethod, PaymentMethod.id == Charge.payment_method_id)
        .where(
            Invoice.number == cross_reference,
            Charge.status == "paid",
            Charge.settled_before.is_(False),
            PaymentMethod.kind == "pad",
            Charge.amount_cents == amount_cents,
            Charge.completed_at >= start,
            Charge.completed_at < end,
        )
        .order_by(Charge.completed_at.desc())
        .limit(1)
    )
    found = (await session.execute(query)).first()
    return (found[0], found[1]) if found else None


async def returns_of_file(
    session: AsyncSession, file_id: str
) -> Sequence[tuple[PadReturn, Invoice]]:
    query = (
        select(PadReturn, Invoice)
        .join(Invoice, Invoice.id == PadReturn.invoice_id)
        .where(PadReturn.file_id == file_id)
        .order_by(PadReturn.line, PadReturn.segment)
    )
    return [(r, i) for r, i in (await session.execute(query)).all()]


async def untold_returns(session: AsyncSession) -> Sequence[tuple[PadReturn, Invoice]]:
    """Returns whose workflow was not told yet, oldest first."""
    query = (
        select(PadReturn, Invoice)
        .join(Invoice, Invoice.id == PadReturn.invoice_id)
        .where(PadReturn.told_at.is_(None))
        .order_by(PadReturn.created_at, PadReturn.id)
    )
    return [(r, i) for r, i in (await session.execute(query)).all()]


async def mark_told(session: AsyncSession, return_id: str, when: datetime) -> None:
    await session.execute(
        update(PadReturn)
        .where(PadReturn.id == return_id, PadReturn.told_at.is_(None))
        .values(told_at=when)
    )


async def latest_return_of_method(
    session: AsyncSession, account_id: str, method_id: str
) -> PadReturn | None:
    query = (
        select(PadReturn)
        .where(PadReturn.account_id == account_id, PadReturn.payment_method_id == method_id)
        .order_by(PadReturn.created_at.desc())
        .limit(1)
    )
    return await session.scalar(query)


async def refusal_of(session: AsyncSession, method: PaymentMethod) -> PadReturn | None:
    """The return that makes this bank account refused (closed, invalid...), unless the method
    was changed since: no new debit is sent to it before then."""
    last = await latest_return_of_method(session, method.account_id, method.id)
    if last is None or not needs_new_details(last.reason_code):
        return None
    return last if method.updated_at <= last.created_at else None
