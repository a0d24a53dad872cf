"""Charges, exactly once per idempotency key.

The charge row is written first (status `pending`, unique key) and committed before the gateway
is called: of concurrent duplicates, one inserts it and the others read it and wait for its
final state. The gateway call carries the same key, so when the caller dies between the gateway
and the final write, the next call with the key resumes the attempt and gets the same answer.

A charge with `invoice_id` is a retry of that unpaid invoice (`services.payments.retries`): the
row points at the invoice from the start, and its outcome updates the invoice instead of
writing one.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import transaction, utcnow
from servicekit.money import back_out_taxes
from services.payments import metrics, retries
from services.payments import repository as repo
from services.payments.config import PaymentsSettings
from services.payments.errors import ChargeInProgress, KeyReused, MethodNotFound
from services.payments.gateway import CARD_UNUSABLE, PaymentGateway
from services.payments.gateway_pace import pace_of
from services.payments.models import Charge, Invoice, LedgerEntry, PaymentMethod
from services.payments.processors.refusals import card_refused
from services.payments.returns import repository as returns_repo
from services.payments.schemas import ChargeIn, ChargeOut

Sessions = async_sessionmaker[AsyncSession]
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
BANK_DETAILS_REFUSED = "bank_details_refused"  # a returned debit said the account is unusable


@dataclass(frozen=True)
class Outcome:
    """What the attempt found out: `paid`, `declined` or `recorded` (payroll)."""

    status: str
    reference: str | None = None
    decline_code: str | None = None
    method_kind: str | None = None
    method_last4: str | None = None
    # A retry that found nothing owed (invoice paid, or balance covered by an operator's payment).
    settled_before: bool = False


async def charge(
    sessions: Sessions, gateway: PaymentGateway, settings: PaymentsSettings, body: ChargeIn
) -> ChargeOut:
    """Charge once per key: a repeat, even concurrent, answers the first charge's result."""
    row, ours = await _start(sessions, settings, body)
    if not ours:
        row, ours = await _wait_or_take_over(sessions, settings, row)
        if not ours:
            return _out(row)
    try:
        outcome = await _attempt(sessions, gateway, settings, row)
    except BaseException:
        await _release(sessions, row.id)
        raise
    finished = await _finish(sessions, row.id, outcome)
    metrics.charge_finished(outcome.status)
    return _out(finished)


def _out(row: Charge) -> ChargeOut:
    assert row.invoice_id is not None
    return ChargeOut.model_validate(
        {
            "id": row.id,
            "status": row.status,
            "amount_cents": row.amount_cents,
            "invoice_id": row.invoice_id,
            "decline_code": row.decline_code,
        }
    )


def _same_request(row: Charge, body: ChargeIn) -> bool:
    retry_of = row.invoice_id if body.invoice_id is not None else None
    return (
        row.account_id,
        row.subscription_id,
        row.amount_cents,
        row.payment_method_id,
        retry_of,
    ) == (
        body.account_id,
        body.subscription_id,
        body.amount_cents,
        body.payment_method_id,
        body.invoice_id,
    )


async def _start(
    sessions: Sessions, settings: PaymentsSettings, body: ChargeIn
) -> tuple[Charge, bool]:
    """(the charge row, whether this call inserted it)."""
    try:
        async with transaction(sessions) as session:
            if body.invoice_id is not None:  # callers of one retry queue on the invoice row
                await retries.locked_invoice(session, body)
            existing = await repo.charge_by_key(session, body.idempotency_key)
            if existing is None:
                return await _insert(session, settings, body), True
    except IntegrityError:  # a concurrent call inserted the key first
        pass
    async with transaction(sessions) as session:
        existing = await repo.charge_by_key(session, body.idempotency_key)
    assert existing is not None
    if not _same_request(existing, body):
        raise KeyReused()
    return existing, False


async def _insert(session: AsyncSession, settings: PaymentsSettings, body: ChargeIn) -> Charge:
    if body.invoice_id is not None:
        await retries.refuse_if_under_way(session, settings, body.invoice_id)
    if body.payment_method_id is not None:
        if await repo.method(session, body.payment_method_id, body.account_id) is None:
            raise MethodNotFound("payment_method_id")
    row = Charge(id=str(uuid.uuid4()), status="pending", **body.model_dump())
    session.add(row)
    await session.flush()
    return row


async def _wait_or_take_over(
    sessions: Sessions, settings: PaymentsSettings, row: Charge
) -> tuple[Charge, bool]:
    """The final row, or the pending row taken over when its attempt went stale."""
    deadline, pause = time.monotonic() + settings.charge_wait_seconds, 0.02
    while True:
        async with transaction(sessions) as session:
            found = await repo.charge_by_key(session, row.idempotency_key)
            assert found is not None
            if found.status != "pending":
                return found, False
            stale = utcnow() - timedelta(seconds=settings.charge_stale_seconds)
            if await repo.claim_stale(session, found.id, stale, utcnow()):
                return found, True
        if time.monotonic() > deadline:
            raise ChargeInProgress()
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 0.5)


async def _attempt(
    sessions: Sessions, gateway: PaymentGateway, settings: PaymentsSettings, row: Charge
) -> Outcome:
    """Ask the gateway (cards) or record the debit (PAD, collected by the CPA-005 file)."""
    retry = row.invoice_id is not None  # a first charge gets its invoice only when it ends
    if row.payment_method_id is None and not retry:
        return Outcome("recorded")
    async with transaction(sessions) as session:
        if retry and await retries.already_settled(session, row):
            return Outcome("paid", settled_before=True)
        if row.payment_method_id is None:  # a retry needs a method to pay with
            return Outcome("declined", decline_code="payment_method_missing")
        method = await repo.method(session, row.payment_method_id, row.account_id)
        if method is not None and method.kind == "pad":
            if await returns_repo.refusal_of(session, method) is not None:
                # The bank refused this account (closed, invalid): never debit it again as is.
                return Outcome("declined", decline_code=BANK_DETAILS_REFUSED)
        if method is not None and method.kind == "card" and await card_refused(session, method):
            # The processor called this card unusable (stolen, expired...): not charged again.
            return Outcome("declined", decline_code=CARD_UNUSABLE)
    if method is None:  # deleted since the subscription chose it: the user must pick another
        return Outcome("declined", decline_code="payment_method_missing")
    if method.kind == "pad" or row.amount_cents == 0:
        return Outcome("paid", method_kind=method.kind, method_last4=_last4(method))
    assert method.gateway_token is not None
    # The processor's rate: wait for a slot, or answer `gateway_busy` (the row is released).
    await pace_of(settings.gateway_rate_per_second, settings.gateway_max_wait_seconds).turn()
    answer = await gateway.charge(method.gateway_token, row.amount_cents, row.idempotency_key)
    status = "paid" if answer.status == "captured" else "declined"
    return Outcome(status, answer.reference, answer.decline_code, "card", method.last4)


def _last4(method: PaymentMethod) -> str | None:
    if method.kind == "pad":
        return method.account_last4
    return method.last4


async def _release(sessions: Sessions, charge_id: str) -> None:
    """After an error, let the next call with the key resume at once (the gateway dedups)."""
    async with transaction(sessions) as session:
        found = await session.get(Charge, charge_id)
        if found is not None and found.status == "pending":
            found.attempt_started_at = LONG_AGO


async def _finish(sessions: Sessions, charge_id: str, outcome: Outcome) -> Charge:
    """Invoice, ledger and final status, written once (the row lock keeps a resumer out)."""
    async with transaction(sessions) as session:
        query = select(Charge).where(Charge.id == charge_id).with_for_update()
        row = (await session.scalars(query.execution_options(populate_existing=True))).one()
        if row.status != "pending":
            return row
        if row.invoice_id is None:
            row.invoice_id = (await _invoice(session, row, outcome)).id
        else:
            await retries.settle(
                session,
                row,
                paid=outcome.status == "paid",
                settled_before=outcome.settled_before,
                method=(outcome.method_kind, outcome.method_last4),
            )
        row.status, row.completed_at = outcome.status, utcnow()
        row.settled_before = outcome.settled_before
        row.decline_code, row.gateway_reference = outcome.decline_code, outcome.reference
        await session.flush()
        return row


INVOICE_STATUS = {"paid": "paid", "declined": "unpaid", "recorded": "payroll"}


async def _invoice(session: AsyncSession, row: Charge, outcome: Outcome) -> Invoice:
    taxes, now = back_out_taxes(row.amount_cents), utcnow()
    invoice = Invoice(
        id=str(uuid.uuid4()),
        number=f"F{await repo.next_number(session, 'invoice'):08d}",
        account_id=row.account_id,
        subscription_id=row.subscription_id,
        charge_id=row.id,
        description=row.description,
        period_start=row.period_start,
        period_end=row.period_end,
        total_cents=taxes.total_cents,
        pretax_cents=taxes.pretax_cents,
        gst_cents=taxes.gst_cents,
        qst_cents=taxes.qst_cents,
        status=INVOICE_STATUS[outcome.status],
        method_kind=outcome.method_kind,
        method_last4=outcome.method_last4,
        created_at=now,
    )
    if outcome.status == "paid":
        invoice.receipt_number = f"R{await repo.next_number(session, 'receipt'):08d}"
        invoice.paid_at = now
    session.add(invoice)
    await session.flush()
    _post(session, invoice, outcome.status)
    return invoice


def _post(session: AsyncSession, invoice: Invoice, status: str) -> None:
    """The invoice raises the balance; a payment or a payroll deduction settles it."""
    entries = [("invoice", invoice.total_cents)]
    if status == "paid":
        entries.append(("payment", -invoice.total_cents))
    elif status == "recorded":
        entries.append(("payroll", -invoice.total_cents))
    for kind, amount in entries:
        session.add(
            LedgerEntry(
                id=str(uuid.uuid4()),
                account_id=invoice.account_id,
                kind=kind,
                amount_cents=amount,
                invoice_id=invoice.id,
            )
        )
