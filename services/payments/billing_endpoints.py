"""Balance, invoices and receipts (`/v1`), and the operators' billing views."""

from fastapi import APIRouter, Response

from servicekit.auth import CurrentPrincipal, OperatorPrincipal
from servicekit.db import SessionDep
from services.payments import billing
from services.payments import repository as repo
from services.payments.dependencies import ComponentsDep
from services.payments.schemas import (
    AccountBillingOut,
    AdjustmentIn,
    AdjustmentOut,
    BalanceOut,
    InvoiceOut,
)
from services.payments.views import adjustment_out, invoice_out, method_out

router = APIRouter(prefix="/v1", tags=["billing"])
operator_router = APIRouter(prefix="/v1/operator/accounts", tags=["operator"])


def _pdf(content: bytes, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type="application/pdf", headers=headers)


@router.get("/balance", response_model=BalanceOut)
async def balance(session: SessionDep, principal: CurrentPrincipal) -> BalanceOut:
    """Solde: what the caller owes (negative: a credit)."""
    return BalanceOut(balance_cents=await repo.balance(session, principal.account_id))


@router.get("/invoices", response_model=list[InvoiceOut])
async def invoices(session: SessionDep, principal: CurrentPrincipal) -> list[InvoiceOut]:
    """The caller's invoices, newest first."""
    return [invoice_out(i) for i in await repo.invoices_of(session, principal.account_id)]


@router.get("/invoices/{invoice_id}/pdf")
async def invoice_pdf(
    invoice_id: str, session: SessionDep, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """The invoice PDF (French, then English)."""
    pdf, name = await billing.invoice_pdf(
        session, parts.fonts, invoice_id, billing.scope(principal)
    )
    return _pdf(pdf, name)


@router.get("/receipts/{receipt_id}/pdf")
async def receipt_pdf(
    receipt_id: str, session: SessionDep, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """The receipt PDF of a paid invoice (its id is the invoice's)."""
    pdf, name = await billing.receipt_pdf(
        session, parts.fonts, receipt_id, billing.scope(principal)
    )
    return _pdf(pdf, name)


@operator_router.get("/{account_id}/billing", response_model=AccountBillingOut)
async def account_billing(
    account_id: str, session: SessionDep, _: OperatorPrincipal
) -> AccountBillingOut:
    """An account's balance, invoices, methods and adjustments, for the service centre."""
    balance_cents = await repo.balance(session, account_id)
    return AccountBillingOut(
        account_id=account_id,
        balance_cents=balance_cents,
        invoices=[invoice_out(i) for i in await repo.invoices_of(session, account_id)],
        methods=[method_out(m) for m in await repo.methods_of(session, account_id)],
        adjustments=[
            adjustment_out(a, balance_cents) for a in await repo.adjustments_of(session, account_id)
        ],
    )


@operator_router.post("/{account_id}/adjustments", status_code=201, response_model=AdjustmentOut)
async def adjust(
    account_id: str, body: AdjustmentIn, session: SessionDep, operator: OperatorPrincipal
) -> AdjustmentOut:
    """Record a manual payment or a credit, with its reason (audited: who, when, why)."""
    row = await billing.adjust(session, operator, account_id, body)
    return adjustment_out(row, await repo.balance(session, account_id))
