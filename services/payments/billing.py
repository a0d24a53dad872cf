"""Balance, invoices and operator adjustments (the ledger is the balance's only source)."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.pdf import Fonts
from services.payments import documents
from services.payments import repository as repo
from services.payments.errors import InvoiceNotFound, KeyReused, ReceiptNotFound, field_error
from services.payments.models import Adjustment, Invoice, LedgerEntry
from services.payments.schemas import AdjustmentIn, CreditIn


def scope(principal: Principal) -> str | None:
    """The account a caller may read: its own, or any (None) for an operator."""
    return None if principal.is_operator else principal.account_id


async def require_invoice(
    session: AsyncSession, invoice_id: str, account_id: str | None
) -> Invoice:
    found = await repo.invoice(session, invoice_id, account_id)
    if found is None:
        raise InvoiceNotFound()
    return found


async def invoice_pdf(
    session: AsyncSession, fonts: Fonts, invoice_id: str, account_id: str | None
) -> tuple[bytes, str]:
    """(PDF, file name) of an invoice."""
    invoice = await require_invoice(session, invoice_id, account_id)
    pdf = await documents.render_apart(invoice, fonts)
    return pdf, f"facture-invoice-{invoice.number}.pdf"


async def receipt_pdf(
    session: AsyncSession, fonts: Fonts, invoice_id: str, account_id: str | None
) -> tuple[bytes, str]:
    """(PDF, file name) of a paid invoice's receipt (the receipt id is the invoice's)."""
    invoice = await repo.invoice(session, invoice_id, account_id)
    if invoice is None or invoice.receipt_number is None:
        raise ReceiptNotFound()
    pdf = await documents.render_apart(invoice, fonts, True)
    return pdf, f"recu-receipt-{invoice.receipt_number}.pdf"


SYSTEM = "system"  # the operator id of what the platform records by itself (audited alike)


async def adjust(
    session: AsyncSession, operator: Principal, account_id: str, body: AdjustmentIn
) -> Adjustment:
    """A manual payment or credit, with its reason: lowers the balance, kept as the audit."""
    row = Adjustment(
        id=str(uuid.uuid4()),
        account_id=account_id,
        kind=body.kind,
        amount_cents=body.amount_cents,
        reason=_reason(body.reason),
        operator_id=operator.account_id,
    )
    return await _record(session, row)


async def credit(session: AsyncSession, body: CreditIn) -> Adjustment:
    """A credit the platform grants, once per key: a repeat (even concurrent) gets the first."""
    found = await repo.adjustment_by_key(session, body.idempotency_key)
    if found is None:
        row = Adjustment(
            id=str(uuid.uuid4()),
            account_id=body.account_id,
            subscription_id=body.subscription_id,
            kind="credit",
            amount_cents=body.amount_cents,
            reason=_reason(body.reason),
            operator_id=SYSTEM,
            idempotency_key=body.idempotency_key,
        )
        try:
            async with session.begin_nested():
                return await _record(session, row)
        except IntegrityError:  # a concurrent call with the key committed first
            found = await repo.adjustment_by_key(session, body.idempotency_key)
    assert found is not None
    if (found.account_id, found.subscription_id, found.amount_cents) != (
        body.account_id,
        body.subscription_id,
        body.amount_cents,
    ):
        raise KeyReused()
    return found


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise field_error("reason", "reason_required")
    return reason


async def _record(session: AsyncSession, row: Adjustment) -> Adjustment:
    """The adjustment and its ledger entry (a payment or a credit lowers the balance)."""
    session.add(row)
    await session.flush()
    session.add(
        LedgerEntry(
            id=str(uuid.uuid4()),
            account_id=row.account_id,
            kind="adjustment",
            amount_cents=-row.amount_cents,
            adjustment_id=row.id,
        )
    )
    await session.flush()
    return row
