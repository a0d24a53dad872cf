"""Refunds of an account's credit to a card (`/v1/operator/accounts/{id}/refunds`)."""

from fastapi import APIRouter
from sqlalchemy import select

from servicekit.auth import OperatorPrincipal
from servicekit.db import SessionDep, transaction
from services.payments import repository as repo
from services.payments.dependencies import ComponentsDep
from services.payments.processors import refunds
from services.payments.processors.models import Refund
from services.payments.processors.schemas import RefundIn, RefundOut

router = APIRouter(prefix="/v1/operator/accounts", tags=["operator"])


def refund_out(row: Refund, balance_cents: int) -> RefundOut:
    return RefundOut.model_validate(
        {
            "id": row.id,
            "number": row.number,
            "account_id": row.account_id,
            "charge_id": row.charge_id,
            "amount_cents": row.amount_cents,
            "reason": row.reason,
            "operator_id": row.operator_id,
            "status": row.status,
            "gateway_reference": row.gateway_reference,
            "created_at": row.created_at,
            "balance_cents": balance_cents,
        }
    )


@router.post("/{account_id}/refunds", status_code=201, response_model=RefundOut)
async def refund(
    account_id: str, body: RefundIn, parts: ComponentsDep, operator: OperatorPrincipal
) -> RefundOut:
    """Pay back part of the account's credit (its negative balance) to the card of one of its
    captured charges, once per key; 409 beyond the credit or the charges; 503 when the
    processor does not answer (send the same key again)."""
    row = await refunds.refund(parts.sessions, parts.gateway, operator.account_id, account_id, body)
    async with transaction(parts.sessions) as session:
        balance = await repo.balance(session, account_id)
    return refund_out(row, balance)


@router.get("/{account_id}/refunds", response_model=list[RefundOut])
async def refunds_of(account_id: str, session: SessionDep, _: OperatorPrincipal) -> list[RefundOut]:
    """The account's refunds, newest first, with its balance now."""
    balance = await repo.balance(session, account_id)
    query = (
        select(Refund)
        .where(Refund.account_id == account_id)
        .order_by(Refund.created_at.desc(), Refund.id)
    )
    return [refund_out(row, balance) for row in await session.scalars(query)]
