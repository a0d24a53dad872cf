"""Paying a claim notice with the payer present (customer-initiated: 3-D Secure possible).

The steps, each its own short transaction (none is held across a gateway call):
1. the notice is read; one stale attempt left in flight is settled first (`_recover`);
2. the card's single-use token is redeemed;
3. the notice is claimed (`paying`) and the attempt recorded (`claim_payments`) in one commit;
4. the gateway charges (`charge_customer_present`, under the key (notice, attempt));
5. the answer is recorded: captured -> `paid` with its receipt; declined -> `unpaid`, attempt
   bumped; requires_action -> `authenticating` with the charge's reference, and the payer is
   sent to the issuer's challenge, which brings them back to the portal's return page.

Settling (the return page, the webhook, or the next attempt after the stale delay) reads the
charge again at the gateway and records what it says, with the same conditional UPDATEs: a
second settle changes nothing and answers the first one's receipt. An attempt whose answer was
lost (a crash after step 3) is asked again under its own key and parameters: the gateway then
answers the first charge, never makes a second one.
"""

import logging
import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import montreal_date
from servicekit.db import read_transaction, transaction, utcnow
from services.payments import metrics
from services.payments.claims import repository as repo
from services.payments.claims.errors import (
    ClaimAlreadyPaid,
    ClaimPaymentInProgress,
    ClaimPaymentNotFound,
)
from services.payments.claims.models import ClaimNotice, ClaimPayment, ClaimReceipt
from services.payments.claims.schemas import PayIn
from services.payments.claims.service import find
from services.payments.gateway import (
    CANCELED,
    CardDeclined,
    CustomerCharge,
    GatewayUnavailable,
    PaymentGateway,
)

log = logging.getLogger(__name__)

# A payment that claimed a notice and then vanished (crash, lost connection) holds it this
# long; the next payer then settles that attempt first (asked again under its own key), so a
# charge the vanished one did capture is recorded instead of being taken twice.
STALE_CLAIM = timedelta(minutes=5)
# A payer answering their bank's challenge holds the notice this long; then the next attempt
# cancels the abandoned charge at the gateway first (or records it paid, if it went through).
STALE_AUTHENTICATION = timedelta(minutes=15)

ReturnUrl = Callable[[str], str]  # the portal's return page for one attempt (its opaque id)


@dataclass(frozen=True)
class Outcome:
    """Where an attempt stands: `paid` (its receipt), `requires_action` (the payer must answer
    the challenge at `action_url`; None while the gateway has not said yet) or `declined`."""

    status: Literal["paid", "requires_action", "declined"]
    payment_id: str
    receipt: ClaimReceipt | None = None
    notice_number: str = ""
    action_url: str | None = None
    decline_code: str | None = None
    # True only for the settle that recorded the payment: it starts the receipt email.
    newly_paid: bool = False

    def paid(self) -> ClaimReceipt:
        """The receipt; `CardDeclined` (nothing charged) for a declined attempt."""
        if self.status == "declined" or self.receipt is None:
            raise CardDeclined(decline_code=self.decline_code)
        return self.receipt


def idempotency_key(notice_id: str, attempt: int) -> str:
    """One key per notice and attempt (a declined attempt frees the notice for a new key)."""
    return f"claim-notice:{notice_id}:{attempt}"


def _stale(notice: ClaimNotice, now: datetime) -> bool:
    delay = STALE_AUTHENTICATION if notice.status == "authenticating" else STALE_CLAIM
    return notice.claimed_at is None or notice.claimed_at < now - delay


async def pay(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    data: PayIn,
    return_url: ReturnUrl,
) -> Outcome:
    """Pay a notice: `paid` or `requires_action` (declined raises `CardDeclined`, the notice
    payable again; 409 `claim_already_paid`, or `claim_payment_in_progress` while another
    payer's attempt is under way)."""
    async with read_transaction(sessions) as session:
        notice = await find(session, data.number, data.plate)
    if notice.status == "paid":
        raise ClaimAlreadyPaid()
    if notice.status in repo.IN_FLIGHT:
        if not _stale(notice, utcnow()):
            raise ClaimPaymentInProgress()
        if (await _recover(sessions, gateway, notice, return_url)) == "paid":
            raise ClaimAlreadyPaid()
    token = await gateway.redeem(data.card.card_token)
    async with transaction(sessions) as session:
        now = utcnow()
        if not await repo.claim(session, notice.id, now, now - STALE_CLAIM):
            current = await find(session, data.number, data.plate)
            raise ClaimAlreadyPaid() if current.status == "paid" else ClaimPaymentInProgress()
        notice = await find(session, data.number, data.plate)  # its attempt, as claimed
        payment = ClaimPayment(
            id=str(uuid.uuid4()),
            notice_id=notice.id,
            attempt=notice.attempt,
            card_token=token.token,
            card_brand=token.brand,
            card_last4=token.last4,
            email=data.email,
            language=data.language,
        )
        session.add(payment)
    charge = await gateway.charge_customer_present(
        token.token,
        notice.amount_cents,
        idempotency_key(notice.id, notice.attempt),
        return_url(payment.id),
    )
    outcome = await _record(sessions, payment, charge)
    if outcome.status == "declined":
        raise CardDeclined(decline_code=outcome.decline_code)
    return outcome


async def settle(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    payment_id: str,
    return_url: ReturnUrl,
) -> Outcome:
    """The attempt as the gateway says it stands now, recorded (the return page asks this;
    asking twice answers the same). 404 for an unknown attempt; 409 `claim_already_paid` when
    the notice was paid by another attempt."""
    async with read_transaction(sessions) as session:
        payment = await repo.payment(session, payment_id)
        notice = None if payment is None else await session.get(ClaimNotice, payment.notice_id)
        if payment is None or notice is None:
            raise ClaimPaymentNotFound("payment")
        done = await _settled(session, notice, payment)
    if done is not None:
        return done
    return await _record(sessions, payment, await _current(gateway, notice, payment, return_url))


async def _settled(
    session: AsyncSession, notice: ClaimNotice, payment: ClaimPayment
) -> Outcome | None:
    """The outcome of an attempt that is over (None while it is under way)."""
    if notice.status == "paid":
        receipt = await repo.receipt_of(session, notice.id)
        if receipt is None or payment.attempt != notice.attempt:
            raise ClaimAlreadyPaid()
        return Outcome("paid", payment.id, receipt=receipt, notice_number=notice.number)
    if notice.attempt != payment.attempt or notice.status == "unpaid":
        return Outcome("declined", payment.id, decline_code="attempt_over")
    return None


async def _current(
    gateway: PaymentGateway, notice: ClaimNotice, payment: ClaimPayment, return_url: ReturnUrl
) -> CustomerCharge:
    """The attempt's charge as it stands. Its reference unknown (the answer was lost), it is
    asked again under its own key and parameters: the gateway answers the charge it made
    (or makes the one it never received), never a second one."""
    reference = payment.gateway_reference
    if reference is None:
        first = await gateway.charge_customer_present(
            payment.card_token,
            notice.amount_cents,
            idempotency_key(notice.id, payment.attempt),
            return_url(payment.id),
        )
        if first.status != "requires_action" or not first.reference:
            return first
        reference = first.reference  # a replayed answer may be old: read it fresh
    return await gateway.customer_charge(reference)


async def _recover(
    sessions: async_sessionmaker[AsyncSession],
    gateway: PaymentGateway,
    notice: ClaimNotice,
    return_url: ReturnUrl,
) -> str:
    """Settle a stale attempt before a new one: its charge read (or asked again), an abandoned
    challenge canceled at the gateway. Answers the notice's status afterwards."""
    async with read_transaction(sessions) as session:
        payment = await repo.payment_of(session, notice.id, notice.attempt)
    if payment is None:  # claimed before attempts were recorded: `claim` retakes it
        return notice.status
    charge = await _current(gateway, notice, payment, return_url)
    if charge.status == "requires_action":
        charge = await gateway.cancel_customer_charge(charge.reference)
        if charge.status == "requires_action":  # still processing: not canceled yet
            raise GatewayUnavailable(reason="processing")
    outcome = await _record(sessions, payment, charge)
    return "paid" if outcome.status == "paid" else "unpaid"


async def _record(
    sessions: async_sessionmaker[AsyncSession], payment: ClaimPayment, charge: CustomerCharge
) -> Outcome:
    """What the gateway said, recorded for this attempt (conditional: once)."""
    async with transaction(sessions) as session:
        if charge.reference:
            await repo.set_reference(session, payment.id, charge.reference)
        outcome = await record_in(session, payment, charge)
    if outcome.newly_paid:
        metrics.claim_notice_paid()
    return outcome


async def record_in(
    session: AsyncSession, payment: ClaimPayment, charge: CustomerCharge
) -> Outcome:
    """Record the charge's state in the caller's transaction (the webhook's is its event's)."""
    if charge.status == "requires_action":
        await repo.authenticating(session, payment.notice_id, payment.attempt, charge.reference)
        return Outcome("requires_action", payment.id, action_url=charge.action_url)
    await repo.forget_card(session, payment.id)
    if charge.status == "declined":
        await repo.release(session, payment.notice_id, payment.attempt)
        return Outcome("declined", payment.id, decline_code=charge.decline_code or CANCELED)
    now = utcnow()
    notice = await session.get(ClaimNotice, payment.notice_id)
    assert notice is not None  # the attempt's foreign key
    if not await repo.mark_paid(session, payment.notice_id, payment.attempt, charge.reference, now):
        receipt = await repo.receipt_of(session, payment.notice_id)
        if receipt is None or receipt.gateway_reference != charge.reference:
            # Captured, yet the attempt was released or another one paid: never expected (a
            # declined answer is final); the service centre must refund it.
            log.error(
                "claim payment %s: charge %s captured but not recorded",
                payment.id,
                charge.reference,
            )
            raise ClaimAlreadyPaid()
        return Outcome("paid", payment.id, receipt=receipt, notice_number=notice.number)
    receipt = ClaimReceipt(
        id=str(uuid.uuid4()),
        number=_receipt_number(now),
        notice_id=payment.notice_id,
        amount_cents=notice.amount_cents,
        paid_at=now,
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        gateway_reference=charge.reference,
        email=payment.email,
        language=payment.language,
    )
    session.add(receipt)
    await session.flush()
    return Outcome(
        "paid", payment.id, receipt=receipt, notice_number=notice.number, newly_paid=True
    )


def _receipt_number(now: datetime) -> str:
    """`RA-<the day paid in Montréal>-<8 letters>`."""
    suffix = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))
    return f"RA-{montreal_date(now):%Y%m%d}-{suffix}"
