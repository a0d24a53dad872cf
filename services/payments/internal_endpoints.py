"""Endpoints only the platform's own components call (service token required)."""

from fastapi import APIRouter, Response

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep
from services.payments import billed, billing, charges, methods
from services.payments import repository as repo
from services.payments.dependencies import ComponentsDep
from services.payments.schemas import (
    BilledTotalsIn,
    BilledTotalsOut,
    ChargeIn,
    ChargeOut,
    CreditIn,
    CreditOut,
    MethodSummaryOut,
    OutstandingOut,
    UnpaidInvoiceOut,
)

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.post("/charges", response_model=ChargeOut)
async def charge(body: ChargeIn, parts: ComponentsDep) -> ChargeOut:
    """Charge once per idempotency key; a repeat (even concurrent) answers the first result."""
    return await charges.charge(parts.sessions, parts.gateway, parts.settings, body)


@router.post("/credits", status_code=201, response_model=CreditOut)
async def credit(body: CreditIn, session: SessionDep) -> CreditOut:
    """A credit on the balance (audited, by `system`); a repeated key answers the first."""
    row = await billing.credit(session, body)
    return CreditOut(id=row.id, amount_cents=row.amount_cents)


@router.get("/payment-methods/{method_id}", response_model=MethodSummaryOut)
async def payment_method(method_id: str, account_id: str, session: SessionDep) -> MethodSummaryOut:
    """One of the account's live methods (another account's is the same 404 as a missing one)."""
    row = await methods.require(session, method_id, account_id)
    return MethodSummaryOut(
        id=row.id,
        kind=row.kind,
        brand=row.brand,
        last4=row.last4,
        account_last4=row.account_last4,
        exp_month=row.exp_month,
        exp_year=row.exp_year,
    )


@router.delete("/payment-methods/{method_id}", status_code=204)
async def release_payment_method(
    method_id: str, account_id: str, session: SessionDep, parts: ComponentsDep
) -> Response:
    """Remove the method of a request that was refused, withdrawn or expired (RULES.md: its
    cheque specimen goes with it); 404 once it is gone."""
    await methods.delete(session, parts.settings.specimen_dir, method_id, account_id)
    return Response(status_code=204)


@router.get("/accounts/{account_id}/outstanding", response_model=OutstandingOut)
async def outstanding(account_id: str, session: SessionDep) -> OutstandingOut:
    """What the account owes: its balance and the unpaid invoices the workflow retries."""
    unpaid = await repo.unpaid_invoices(session, account_id)
    return OutstandingOut(
        balance_cents=await repo.balance(session, account_id),
        unpaid_invoices=[UnpaidInvoiceOut.model_validate(i, from_attributes=True) for i in unpaid],
    )


@router.post("/billed-totals", response_model=BilledTotalsOut)
async def billed_totals(body: BilledTotalsIn, session: SessionDep) -> BilledTotalsOut:
    """The month's invoiced totals per group of subscriptions, summed by the database."""
    first = body.month.replace(day=1)
    totals = await billed.billed_totals(session, first, body.groups)
    return BilledTotalsOut(month=first, totals_cents=totals)
