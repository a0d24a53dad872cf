"""Credits paid back: an account's credit (a negative balance: unused days credited, an
operator's credit) refunded to the card of one of its captured charges, once per key.

The refund row and the ledger's `refund` entry (raising the balance by the amount) are written
first; then the processor is asked with the same key, so a repeat after a timeout resumes the
same refund instead of paying twice. A refund the processor fails puts the credit back.
"""

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import transaction, utcnow
from services.payments import repository as repo
from services.payments.errors import Conflict, KeyReused, field_error
from services.payments.gateway import PaymentGateway
from services.payments.models import Charge, LedgerEntry, PaymentMethod
from services.payments.processors import metrics
from services.payments.processors.models import Refund
from services.payments.processors.schemas import RefundIn

Sessions = async_sessionmaker[AsyncSession]
OPEN = ("requested", "pending", "succeeded")  # what still counts against a charge


class RefundExceedsCredit(Conflict):
    """Only a credit (a negative balance) can be paid back, up to its amount."""

    code = "refund_exceeds_credit"


class NoRefundableCharge(Conflict):
    """No captured card charge of the account has that much left to refund."""

    code = "refund_no_card_charge"


async def refund(
    sessions: Sessions, gateway: PaymentGateway, operator_id: str, account_id: str, body: RefundIn
) -> Refund:
    """Pay back `body.amount_cents` of the account's credit to a card; a repeat of the key
    answers (or resumes) the first refund."""
    row, charge_reference = await _start(sessions, operator_id, account_id, body)
    if row.status != "requested":
        return row
    answer = await gateway.refund(charge_reference, row.amount_cents, row.idempotency_key)
    return await settle(sessions, row.id, answer.status, answer.reference)


async def _start(
    sessions: Sessions, operator_id: str, account_id: str, body: RefundIn
) -> tuple[Refund, str]:
    try:
        async with transaction(sessions) as session:
            found = await _by_key(session, body.idempotency_key)
            if found is None:
                found = await _insert(session, operator_id, account_id, body)
            return found, await _reference_of(session, found, account_id, body)
    except IntegrityError:  # a concurrent call with the key committed first
        async with transaction(sessions) as session:
            found = await _by_key(session, body.idempotency_key)
            assert found is not None
            return found, await _reference_of(session, found, account_id, body)


async def _reference_of(session: AsyncSession, row: Refund, account_id: str, body: RefundIn) -> str:
    if (row.account_id, row.amount_cents) != (account_id, body.amount_cents):
        raise KeyReused()
    charge = await session.get(Charge, row.charge_id)
    assert charge is not None and charge.gateway_reference is not None
    return charge.gateway_reference


async def _by_key(session: AsyncSession, key: str) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.idempotency_key == key))


async def _insert(
    session: AsyncSession, operator_id: str, account_id: str, body: RefundIn
) -> Refund:
    reason = body.reason.strip()
    if not reason:
        raise field_error("reason", "reason_required")
    # The sequence's row lock, held to the commit, serialises refunds: two of one credit
    # cannot both find it unused.
    number = f"RB{await repo.next_number(session, 'refund'):08d}"
    if await repo.balance(session, account_id) > -body.amount_cents:
        raise RefundExceedsCredit("amount_cents")
    charge = await _refundable_charge(session, account_id, body.amount_cents)
    row = Refund(
        id=str(uuid.uuid4()),
        idempotency_key=body.idempotency_key,
        number=number,
        account_id=account_id,
        charge_id=charge.id,
        amount_cents=body.amount_cents,
        reason=reason,
        operator_id=operator_id,
        status="requested",
    )
    session.add(row)
    await session.flush()
    _post(session, account_id, body.amount_cents)
    await session.flush()
    return row


async def _refundable_charge(session: AsyncSession, account_id: str, amount: int) -> Charge:
    """The newest captured card charge with `amount` left to refund."""
    refunded = (
        select(func.coalesce(func.sum(Refund.amount_cents), 0))
        .where(Refund.charge_id == Charge.id, Refund.status.in_(OPEN))
        .scalar_subquery()
    )
    query = (
        select(Charge)
        .join(PaymentMethod, PaymentMethod.id == Charge.payment_method_id)
        .where(
            Charge.account_id == account_id,
            Charge.status == "paid",
            Charge.settled_before.is_(False),
            Charge.gateway_reference.is_not(None),
            PaymentMethod.kind == "card",
            Charge.amount_cents - refunded >= amount,
        )
        .order_by(Charge.completed_at.desc())
        .limit(1)
    )
    found = await session.scalar(query)
    if found is None:
        raise NoRefundableCharge("amount_cents")
    return found


def _post(session: AsyncSession, account_id: str, amount_cents: int) -> None:
    """Money paid back raises the balance (the credit is used); a failed refund lowers it."""
    session.add(
        LedgerEntry(
            id=str(uuid.uuid4()),
            account_id=account_id,
            kind="refund",
            amount_cents=amount_cents,
        )
    )


async def settle(sessions: Sessions, refund_id: str, status: str, reference: str) -> Refund:
    """The processor's answer (or its webhook's) on the refund row, once per final status."""
    async with transaction(sessions) as session:
        query = select(Refund).where(Refund.id == refund_id).with_for_update()
        row = (await session.scalars(query.execution_options(populate_existing=True))).one()
        moved = apply(session, row, status, reference)
        await session.flush()
    if moved:
        metrics.refund_moved(row.status)
    return row


RANK = {"requested": 0, "pending": 1, "succeeded": 2}


def apply(session: AsyncSession, row: Refund, status: str, reference: str | None) -> bool:
    """Move the refund forward to `status` (requested, pending, succeeded; `failed` from any
    of them, even succeeded: a card closed since can send a refund back). A failure puts the
    credit back on the balance. False when nothing moved."""
    if row.status == "failed" or status == row.status:
        return False
    if status != "failed" and RANK.get(status, -1) < RANK[row.status]:
        return False
    row.gateway_reference = reference or row.gateway_reference
    row.status = status
    if status in ("succeeded", "failed"):
        row.completed_at = utcnow()
    if status == "failed":
        _post(session, row.account_id, -row.amount_cents)
    return True
