"""Retries of an unpaid invoice: a charge with `invoice_id` pays that invoice again, never twice.

A retry writes no invoice. Its callers are serialised on the invoice row, and a retry is refused
while another one of the same invoice is under way, so two keys (the retry timer and a card
update) never both reach the gateway. An invoice already paid, or an account whose balance is
already zero or below (an operator recorded a payment), is settled without asking the gateway.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from services.payments import repository as repo
from services.payments.config import PaymentsSettings
from services.payments.errors import (
    ChargeInProgress,
    ChargeMismatch,
    InvoiceNotFound,
    InvoiceNotPayable,
)
from services.payments.models import Charge, Invoice, LedgerEntry
from services.payments.schemas import ChargeIn

# What a retry can settle: a payroll invoice is the employer's, a credited one is owed nothing.
PAYABLE = ("unpaid", "paid")


async def locked_invoice(session: AsyncSession, body: ChargeIn) -> Invoice:
    """The invoice a retry pays, locked until the caller's transaction ends; checked against
    the request (another account's invoice is the same 404 as a missing one)."""
    assert body.invoice_id is not None
    query = (
        select(Invoice)
        .where(
            Invoice.id == body.invoice_id,
            Invoice.account_id == body.account_id,
            Invoice.subscription_id == body.subscription_id,
        )
        .with_for_update()
    )
    invoice = await session.scalar(query.execution_options(populate_existing=True))
    if invoice is None:
        raise InvoiceNotFound("invoice_id")
    if invoice.status not in PAYABLE:
        raise InvoiceNotPayable("invoice_id")
    if body.amount_cents != invoice.total_cents:
        raise ChargeMismatch("amount_cents", invoice_total_cents=invoice.total_cents)
    return invoice


async def refuse_if_under_way(
    session: AsyncSession, settings: PaymentsSettings, invoice_id: str
) -> None:
    """Another key's retry of this invoice that has not gone stale must finish first."""
    live_since = utcnow() - timedelta(seconds=settings.charge_stale_seconds)
    if await repo.live_retry_of(session, invoice_id, live_since):
        raise ChargeInProgress()


async def already_settled(session: AsyncSession, row: Charge) -> bool:
    """Whether nothing is owed: the invoice is paid, or the balance is zero or below."""
    assert row.invoice_id is not None
    invoice = await repo.invoice_by_id(session, row.invoice_id)
    assert invoice is not None
    if invoice.status == "paid":
        return True
    return await repo.balance(session, row.account_id) <= 0


async def settle(
    session: AsyncSession,
    row: Charge,
    *,
    paid: bool,
    settled_before: bool,
    method: tuple[str | None, str | None],
) -> None:
    """Mark the invoice paid after a paid retry.

    Money the gateway took is always posted; an invoice settled before (an operator's payment
    is already in the ledger) is marked paid without posting it a second time.
    """
    if not paid:
        return  # a declined retry changes nothing but its own row
    assert row.invoice_id is not None
    query = select(Invoice).where(Invoice.id == row.invoice_id).with_for_update()
    invoice = (await session.scalars(query.execution_options(populate_existing=True))).one()
    if invoice.status != "paid":
        await _mark_paid(session, invoice, method if not settled_before else (None, None))
    if not settled_before:
        session.add(
            LedgerEntry(
                id=str(uuid.uuid4()),
                account_id=invoice.account_id,
                kind="payment",
                amount_cents=-invoice.total_cents,
                invoice_id=invoice.id,
            )
        )
    await session.flush()


async def _mark_paid(
    session: AsyncSession, invoice: Invoice, method: tuple[str | None, str | None]
) -> None:
    """Paid now, with a receipt; the method is the one that paid (none for a manual payment)."""
    invoice.status, invoice.paid_at = "paid", utcnow()
    invoice.receipt_number = f"R{await repo.next_number(session, 'receipt'):08d}"
    invoice.method_kind, invoice.method_last4 = method
