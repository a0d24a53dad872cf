"""Balance, invoices and operator adjustments (the ledger is the balance's only source)."""

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.pdf import Fonts
from services.payments import documents
from services.payments import repository as repo
from services.payments.errors import InvoiceNotFound, ReceiptNotFound, field_error
from services.payments.models import Adjustment, Invoice, LedgerEntry
from services.payments.schemas import AdjustmentIn


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
    pdf = await asyncio.to_thread(documents.render, invoice, fonts)
    return pdf, f"facture-invoice-{invoice.number}.pdf"


async def receipt_pdf(
    session: AsyncSession, fonts: Fonts, invoice_id: str, account_id: str | None
) -> tuple[bytes, str]:
    """(PDF, file name) of a paid invoice's receipt (the receipt id is the invoice's)."""
    invoice = await repo.invoice(session, invoice_id, account_id)
    if invoice is None or invoice.receipt_number is None:
        raise ReceiptNotFound()
    pdf = await asyncio.to_thread(documents.render, invoice, fonts, True)
    return pdf, f"recu-receipt-{invoice.receipt_number}.pdf"


async def adjust(
    session: AsyncSession, operator: Principal, account_id: str, body: AdjustmentIn
) -> Adjustment:
    """A manual payment or credit, with its reason: lowers the balance, kept as the audit."""
    reason = body.reason.strip()
    if not reason:
        raise field_error("reason", "reason_required")
    row = Adjustment(
        id=str(uuid.uuid4()),
        account_id=account_id,
        kind=body.kind,
        amount_cents=body.amount_cents,
        reason=reason,
        operator_id=operator.account_id,
    )
    session.add(row)
    await session.flush()
    session.add(
        LedgerEntry(
            id=str(uuid.uuid4()),
            account_id=account_id,
            kind="adjustment",
            amount_cents=-body.amount_cents,
            adjustment_id=row.id,
        )
    )
    await session.flush()
    return row
