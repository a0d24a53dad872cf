"""All of payments' SQL (methods, charges, invoices, ledger, adjustments)."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.models import (
    Adjustment,
    Charge,
    Invoice,
    LedgerEntry,
    NumberSequence,
    PaymentMethod,
)

# Payment methods -----------------------------------------------------------------------------


async def methods_of(session: AsyncSession, account_id: str) -> Sequence[PaymentMethod]:
    query = (
        select(PaymentMethod)
        .where(PaymentMethod.account_id == account_id, PaymentMethod.deleted_at.is_(None))
        .order_by(PaymentMethod.created_at, PaymentMethod.id)
    )
    return (await session.scalars(query)).all()


async def method(
    session: AsyncSession, method_id: str, account_id: str | None
) -> PaymentMethod | None:
    """A live method; `account_id` None (an operator) finds any account's."""
    query = select(PaymentMethod).where(
        PaymentMethod.id == method_id, PaymentMethod.deleted_at.is_(None)
    )
    if account_id is not None:
        query = query.where(PaymentMethod.account_id == account_id)
    return await session.scalar(query)


async def pays_current_period(session: AsyncSession, method_id: str, today: date) -> bool:
    query = select(
        exists().where(
            Charge.payment_method_id == method_id,
            Charge.period_end >= today,
            Charge.status.in_(("pending", "paid")),
        )
    )
    return bool(await session.scalar(query))


# Charges -------------------------------------------------------------------------------------


async def charge_by_key(session: AsyncSession, key: str) -> Charge | None:
    query = select(Charge).where(Charge.idempotency_key == key)
    return await session.scalar(query.execution_options(populate_existing=True))


async def claim_stale(
    session: AsyncSession, charge_id: str, before: datetime, now: datetime
) -> bool:
    """Take over a pending charge whose attempt started before `before` (one caller wins)."""
    result = await session.execute(
        update(Charge)
        .where(
            Charge.id == charge_id,
            Charge.status == "pending",
            Charge.attempt_started_at < before,
        )
        .values(attempt_started_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def live_retry_of(session: AsyncSession, invoice_id: str, since: datetime) -> bool:
    """Whether a retry of the invoice is pending and its attempt started after `since`."""
    query = select(
        exists().where(
            Charge.invoice_id == invoice_id,
            Charge.status == "pending",
            Charge.attempt_started_at >= since,
        )
    )
    return bool(await session.scalar(query))


async def next_number(session: AsyncSession, series: str) -> int:
    """The next number of a series; the row lock serialises concurrent callers."""
    result = await session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == series)
        .values(last=NumberSequence.last + 1)
        .returning(NumberSequence.last)
    )
    return int(result.scalar_one())


# Invoices and balance ------------------------------------------------------------------------


async def invoices_of(session: AsyncSession, account_id: str) -> Sequence[Invoice]:
    query = (
        select(Invoice)
        .where(Invoice.account_id == account_id)
        .order_by(Invoice.created_at.desc(), Invoice.number.desc())
    )
    return (await session.scalars(query)).all()


async def invoice(session: AsyncSession, invoice_id: str, account_id: str | None) -> Invoice | None:
    query = select(Invoice).where(Invoice.id == invoice_id)
    if account_id is not None:
        query = query.where(Invoice.account_id == account_id)
    return await session.scalar(query)


async def invoice_by_id(session: AsyncSession, invoice_id: str) -> Invoice | None:
    return await session.get(Invoice, invoice_id)


async def balance(session: AsyncSession, account_id: str) -> int:
    query = select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.account_id == account_id
    )
    return int(await session.scalar(query) or 0)


async def unpaid_invoices(session: AsyncSession, account_id: str) -> Sequence[Invoice]:
    """The account's unpaid invoices, oldest period first (the order they are retried in)."""
    query = (
        select(Invoice)
        .where(Invoice.account_id == account_id, Invoice.status == "unpaid")
        .order_by(Invoice.period_start, Invoice.number)
    )
    return (await session.scalars(query)).all()


async def adjustment_by_key(session: AsyncSession, key: str) -> Adjustment | None:
    query = select(Adjustment).where(Adjustment.idempotency_key == key)
    return await session.scalar(query.execution_options(populate_existing=True))


async def adjustments_of(session: AsyncSession, account_id: str) -> Sequence[Adjustment]:
    query = (
        select(Adjustment)
        .where(Adjustment.account_id == account_id)
        .order_by(Adjustment.created_at.desc())
    )
    return (await session.scalars(query)).all()


# Exports -------------------------------------------------------------------------------------


async def pad_debits(
    session: AsyncSession, start: datetime, end: datetime
) -> Sequence[tuple[Charge, PaymentMethod, Invoice]]:
    """Paid PAD charges completed in [start, end), with their bank account and invoice."""
    query = (
        select(Charge, PaymentMethod, Invoice)
        .join(PaymentMethod, PaymentMethod.id == Charge.payment_method_id)
        .join(Invoice, Invoice.id == Charge.invoice_id)
        .where(
            Charge.status == "paid",
            Charge.settled_before.is_(False),  # nothing to collect
            PaymentMethod.kind == "pad",
            Charge.amount_cents > 0,
            Charge.completed_at >= start,
            Charge.completed_at < end,
        )
        .order_by(Charge.completed_at, Charge.id)
    )
    return [(c, m, i) for c, m, i in (await session.execute(query)).all()]


async def recorded_charges(session: AsyncSession, first: date, last: date) -> Sequence[Charge]:
    """Payroll deductions (`recorded`) whose period starts between `first` and `last`."""
    query = (
        select(Charge)
        .where(
            Charge.status == "recorded",
            Charge.period_start >= first,
            Charge.period_start <= last,
            Charge.amount_cents > 0,
        )
        .order_by(Charge.period_start, Charge.id)
    )
    return (await session.scalars(query)).all()
