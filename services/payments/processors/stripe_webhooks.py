"""Stripe's webhook events: the `Stripe-Signature` check, then each event applied once.

The header is `t=<unix time>,v1=<hex>[,v1=...]`: `v1` is HMAC-SHA256, keyed by the endpoint's
signing secret, of `<t>.<raw body>`. A signature that matches none, or a `t` older (or newer)
than the tolerance, is refused (a replayed event cannot be sent again later).

Events (each recorded in `processor_events` by its id: a redelivery changes nothing):
- `payment_intent.succeeded` / `payment_intent.payment_failed` / `payment_intent.canceled` of a
  claim notice's attempt (matched by its stored reference): the attempt is settled as the
  return page settles it (paid with its receipt, the receipt email started; or released,
  nothing charged); whichever comes second changes nothing;
- `payment_intent.succeeded` / `payment_intent.payment_failed` of a subscription charge: the
  charge that PaymentIntent answered is confirmed; an outcome that disagrees with the charge's
  is recorded as a mismatch and logged for the service centre (the billing loop already acted
  on the synchronous answer);
- `refund.created`, `refund.updated`, `refund.failed`, `charge.refund.updated` (a Refund
  object) and `charge.refunded` (a Charge listing its refunds): each refund of ours takes the
  status Stripe gives it; `succeeded` confirms it, `failed` or `canceled` puts the credit back;
- anything else is acknowledged and recorded as `ignored`.
"""

import hashlib
import hmac
import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import transaction
from servicekit.errors import DomainError
from services.payments import metrics as payment_metrics
from services.payments.claims import paying
from services.payments.claims import repository as claims_repo
from services.payments.claims.errors import ClaimAlreadyPaid
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.claims.models import ClaimReceipt
from services.payments.models import Charge
from services.payments.processors import metrics, refunds
from services.payments.processors.models import ProcessorEvent, Refund
from services.payments.processors.stripe_gateway import customer_charge_of, refund_status
from workflows.claims.models import Language

log = logging.getLogger(__name__)
Sessions = async_sessionmaker[AsyncSession]
REFUND_OUTCOMES = {"refund_succeeded": "succeeded", "refund_failed": "failed"}
REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
INTENT_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
)


class WebhookSignatureInvalid(DomainError):
    status_code = 400
    code = "webhook_signature_invalid"


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """The `v1` signature of a payload sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(payload: bytes, header: str | None, secret: str, tolerance: int, now: float) -> None:
    """Raise unless one `v1` of the header signs the payload within the tolerance."""
    if not header or not secret:
        raise WebhookSignatureInvalid("Stripe-Signature")
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in parts if key.strip() == "t"]
    given = [value.strip() for key, _, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not given:
        raise WebhookSignatureInvalid("Stripe-Signature")
    timestamp = int(stamps[0])
    expected = signature(secret, timestamp, payload)
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise WebhookSignatureInvalid("Stripe-Signature")
    if abs(now - timestamp) > tolerance:
        raise WebhookSignatureInvalid("Stripe-Signature", reason="timestamp_outside_tolerance")


def parse(payload: bytes) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except ValueError:
        raise WebhookSignatureInvalid("body") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise WebhookSignatureInvalid("body")
    return event


async def handle(
    sessions: Sessions, event: dict[str, Any], receipts: ReceiptLifecycle | None = None
) -> str:
    """Apply a verified event once; the outcome recorded (or recorded before, for a repeat).
    A claim notice it pays has its receipt emailed once the event is committed."""
    data = event.get("data") or {}
    obj: dict[str, Any] = data.get("object") or {}
    paid: list[ClaimReceipt] = []
    try:
        async with transaction(sessions) as session:
            known = await session.get(ProcessorEvent, event["id"])
            if known is not None:
                return known.outcome
            outcome = await _apply(session, str(event.get("type") or ""), obj, paid)
            session.add(
                ProcessorEvent(
                    id=event["id"],
                    processor="stripe",
                    type=str(event.get("type") or "")[:100],
                    object_id=str(obj.get("id") or "")[:100] or None,
                    outcome=outcome,
                )
            )
            await session.flush()
        metrics.event_applied(outcome)
        if outcome in REFUND_OUTCOMES:
            metrics.refund_moved(REFUND_OUTCOMES[outcome])
        await _email_receipts(paid, receipts)
        return outcome
    except IntegrityError:  # the same event delivered twice at once: the first one applied it
        async with transaction(sessions) as session:
            known = await session.get(ProcessorEvent, event["id"])
            assert known is not None
            return known.outcome


async def _email_receipts(paid: list[ClaimReceipt], receipts: ReceiptLifecycle | None) -> None:
    for receipt in paid:
        payment_metrics.claim_notice_paid()
        if receipt.email and receipts is not None:
            language: Language = "en" if receipt.language == "en" else "fr"
            await receipts.email_receipt(receipt.id, language)  # a failure is logged there


async def _apply(
    session: AsyncSession, kind: str, obj: dict[str, Any], paid: list[ClaimReceipt]
) -> str:
    if kind in INTENT_EVENTS:
        claim = await _claim_outcome(session, obj, paid)
        if claim is not None:
            return claim
        if kind == "payment_intent.canceled":
            return "ignored"
        return await _intent_outcome(session, str(obj.get("id") or ""), kind.endswith("succeeded"))
    if kind == "charge.refunded":
        listed = (obj.get("refunds") or {}).get("data") or []
        return await _refunds_moved(session, [r for r in listed if isinstance(r, dict)])
    if kind in REFUND_EVENTS:
        return await _refunds_moved(session, [obj])
    return "ignored"


async def _claim_outcome(
    session: AsyncSession, intent: dict[str, Any], paid: list[ClaimReceipt]
) -> str | None:
    """A claim notice's attempt settled as the PaymentIntent now stands (None: not a claim's)."""
    payment = await claims_repo.payment_by_reference(session, str(intent.get("id") or ""))
    if payment is None:
        return None
    charge = customer_charge_of(intent)
    if charge.status == "requires_action":
        return "claim_waiting"
    try:
        outcome = await paying.record_in(session, payment, charge)
    except ClaimAlreadyPaid:  # captured while another attempt paid: logged for a refund
        return "claim_mismatch"
    if outcome.status == "declined":
        return "claim_released"
    if outcome.newly_paid and outcome.receipt is not None:
        paid.append(outcome.receipt)
        return "claim_paid"
    return "claim_confirmed"


async def _intent_outcome(session: AsyncSession, intent_id: str, succeeded: bool) -> str:
    charge = await session.scalar(select(Charge).where(Charge.gateway_reference == intent_id))
    if charge is None:
        return "charge_unknown"
    if (charge.status == "paid") == succeeded:
        return "charge_confirmed"
    log.error(
        "stripe says payment intent %s %s; charge %s is %s",
        intent_id,
        "succeeded" if succeeded else "failed",
        charge.id,
        charge.status,
    )
    return "charge_mismatch"


async def _refunds_moved(session: AsyncSession, objects: list[dict[str, Any]]) -> str:
    """Each Refund object of ours at the status Stripe gives it (pending ones wait)."""
    outcome = "refund_unknown"
    for obj in objects:
        query = select(Refund).where(Refund.gateway_reference == str(obj.get("id") or ""))
        row = await session.scalar(query)
        if row is None:
            continue
        status = refund_status(obj.get("status"))
        moved = status != "pending" and refunds.apply(session, row, status, None)
        outcome = f"refund_{status}" if moved else "refund_unchanged"
    return outcome
