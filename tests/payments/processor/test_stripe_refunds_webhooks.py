"""Credits paid back through Stripe's Refunds API, and Stripe's webhooks (signature, each event
once), against the local server answering as Stripe's documentation shows."""

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from servicekit.db import transaction
from services.payments.processors.models import ProcessorEvent
from services.payments.processors.stripe_webhooks import signature
from tests.payments.factories import PaymentsStack, balance
from tests.payments.processor.stripe_docs import _id as stripe_id
from tests.payments.processor.stripe_support import WEBHOOK_SECRET, Stripe
from tests.payments.processor.test_stripe_charges import body, post
from tests.subscriptions.factories import User, UserFactory

WEBHOOK = "/v1/processor/webhooks/stripe"


async def _paid_with_credit(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack, user: User
) -> tuple[str, str]:
    """(the PaymentIntent of a paid period, the account) with 2 000 cents of credit: the unused
    days the billing loop credits at the end of a subscription."""
    card = await stripe.card("pm_card_visa", user.id)
    charge = await post(client, payments, body(card))
    assert charge.json()["status"] == "paid"
    credit = {
        "idempotency_key": f"subscription-{uuid.uuid4().hex}:credit:final",
        "account_id": user.id,
        "subscription_id": str(uuid.uuid4()),
        "amount_cents": 2000,
        "reason": "Jours non utilisés / Unused days",
    }
    answer = await client.post("/internal/v1/credits", json=credit, headers=payments.internal)
    assert answer.status_code == 201
    assert await balance(client, user) == -2000
    [intent] = stripe.docs.intents
    return intent, user.id


def _refund_body(amount: int, **changes: Any) -> dict[str, Any]:
    return {
        "amount_cents": amount,
        "reason": "Crédit remboursé",
        "idempotency_key": uuid.uuid4().hex,
    } | changes


async def test_a_credit_is_paid_back_to_the_card_once_per_key(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack, users: UserFactory
) -> None:
    user, operator = await users(), await users(role="operator")
    intent, account = await _paid_with_credit(stripe, client, payments, user)
    url = f"/v1/operator/accounts/{account}/refunds"
    too_much = await client.post(url, json=_refund_body(2500), headers=operator.headers)
    assert too_much.status_code == 409 and too_much.json()["error"] == "refund_exceeds_credit"
    data = _refund_body(2000)
    refunded = await client.post(url, json=data, headers=operator.headers)
    assert refunded.status_code == 201, refunded.text
    out = refunded.json()
    assert (out["status"], out["amount_cents"], out["balance_cents"]) == ("succeeded", 2000, 0)
    assert out["gateway_reference"].startswith("re_") and out["number"].startswith("RB")
    [sent] = stripe.docs.requests_to("/v1/refunds")
    assert sent.form == {"payment_intent": intent, "amount": "2000"}
    assert sent.idempotency_key == data["idempotency_key"]
    again = await client.post(url, json=data, headers=operator.headers)
    assert again.json()["id"] == out["id"] and len(stripe.docs.requests_to("/v1/refunds")) == 1
    assert await balance(client, user) == 0
    listed = (await client.get(url, headers=operator.headers)).json()
    assert [(r["id"], r["status"], r["reason"]) for r in listed] == [
        (out["id"], "succeeded", "Crédit remboursé")
    ]
    user_refused = await client.post(url, json=_refund_body(100), headers=user.headers)
    assert user_refused.status_code == 403


async def test_two_refunds_of_one_credit_at_once_pay_it_back_once(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack, users: UserFactory
) -> None:
    user, operator = await users(), await users(role="operator")
    _, account = await _paid_with_credit(stripe, client, payments, user)
    url = f"/v1/operator/accounts/{account}/refunds"
    answers = await asyncio.gather(
        *(client.post(url, json=_refund_body(2000), headers=operator.headers) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert len(stripe.docs.requests_to("/v1/refunds")) == 1
    assert await balance(client, user) == 0


async def test_a_refund_stripe_never_answered_is_asked_again_with_its_key(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack, users: UserFactory
) -> None:
    user, operator = await users(), await users(role="operator")
    intent, account = await _paid_with_credit(stripe, client, payments, user)
    stripe.docs.hold_refunds = True  # made and saved at Stripe, the answer never comes
    url, data = f"/v1/operator/accounts/{account}/refunds", _refund_body(2000)
    late = await client.post(url, json=data, headers=operator.headers)
    assert late.status_code == 503 and late.json()["error"] == "gateway_unavailable"
    assert await balance(client, user) == 0  # the credit is held for this refund
    again = await client.post(url, json=data, headers=operator.headers)
    assert again.status_code == 201 and again.json()["status"] == "succeeded"
    sent = stripe.docs.requests_to("/v1/refunds")
    assert [s.idempotency_key for s in sent] == [data["idempotency_key"]] * 2
    assert stripe.docs.intents[intent]["amount_received"] == 6500 - 2000  # paid back once


async def test_refund_webhooks_confirm_a_pending_refund_and_a_failed_one_gives_the_credit_back(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack, users: UserFactory
) -> None:
    user, operator = await users(), await users(role="operator")
    intent, account = await _paid_with_credit(stripe, client, payments, user)
    stripe.docs.refund_status = "pending"
    url = f"/v1/operator/accounts/{account}/refunds"
    out = (await client.post(url, json=_refund_body(2000), headers=operator.headers)).json()
    assert (out["status"], out["balance_cents"]) == ("pending", 0)
    refund = {
        "id": out["gateway_reference"],
        "object": "refund",
        "amount": 2000,
        "status": "succeeded",
    }
    charge = {"id": "ch_x", "object": "charge", "payment_intent": intent, "refunded": True}
    charge["refunds"] = {"object": "list", "data": [refund]}
    assert await _deliver(client, _event("charge.refunded", charge)) == "refund_succeeded"
    failed = _event(
        "refund.failed", refund | {"status": "failed", "failure_reason": "expired_or_canceled_card"}
    )
    assert await _deliver(client, failed) == "refund_failed"
    assert await balance(client, user) == -2000  # the credit is the account's again
    assert await _deliver(client, failed) == "refund_failed"  # a redelivery changes nothing
    assert await balance(client, user) == -2000
    assert await _events(payments, failed["id"]) == 1
    second = (await client.post(url, json=_refund_body(2000), headers=operator.headers)).json()
    assert (second["status"], second["balance_cents"]) == ("pending", 0)
    updated = {"id": second["gateway_reference"], "object": "refund", "status": "succeeded"}
    assert await _deliver(client, _event("refund.updated", updated)) == "refund_succeeded"
    listed = (await client.get(url, headers=operator.headers)).json()
    assert [r["status"] for r in listed] == ["succeeded", "failed"]
    assert await balance(client, user) == 0


async def test_payment_intent_events_confirm_the_charge_or_flag_a_mismatch(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    card = await stripe.card("pm_card_visa")
    assert (await post(client, payments, body(card))).json()["status"] == "paid"
    [intent_id] = stripe.docs.intents
    intent = stripe.docs.intents[intent_id]
    assert await _deliver(client, _event("payment_intent.succeeded", intent)) == "charge_confirmed"
    mismatches = await _mismatches(client)
    failed = _event("payment_intent.payment_failed", intent | {"status": "requires_payment_method"})
    assert await _deliver(client, failed) == "charge_mismatch"
    assert await _mismatches(client) == mismatches + 1  # what the service centre watches
    unknown = _event("payment_intent.succeeded", intent | {"id": "pi_not_ours"})
    assert await _deliver(client, unknown) == "charge_unknown"
    other = _event("customer.created", {"id": "cus_x", "object": "customer"})
    assert await _deliver(client, other) == "ignored"  # acknowledged all the same


async def test_a_webhook_with_a_wrong_or_stale_signature_is_refused(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    event = _event("customer.created", {"id": "cus_x", "object": "customer"})
    payload = json.dumps(event).encode()
    now = int(time.time())
    cases = {
        "missing": {},
        "other secret": {
            "Stripe-Signature": f"t={now},v1={signature('whsec_other', now, payload)}"
        },
        "other body": {"Stripe-Signature": f"t={now},v1={signature(WEBHOOK_SECRET, now, b'{}')}"},
        "stale": {
            "Stripe-Signature": f"t={now - 600},v1={signature(WEBHOOK_SECRET, now - 600, payload)}"
        },
        "no v1": {"Stripe-Signature": f"t={now},v0={signature(WEBHOOK_SECRET, now, payload)}"},
    }
    for name, headers in cases.items():
        answer = await client.post(WEBHOOK, content=payload, headers=headers)
        assert answer.status_code == 400, name
        assert answer.json()["error"] == "webhook_signature_invalid", name
    assert await _events(payments, event["id"]) == 0
    # Stripe may send several v1 signatures (a secret being rolled): one that matches is enough.
    good = signature(WEBHOOK_SECRET, now, payload)
    header = f"t={now},v1={signature('whsec_old', now, payload)},v1={good}"
    answer = await client.post(WEBHOOK, content=payload, headers={"Stripe-Signature": header})
    assert answer.status_code == 200 and answer.json() == {"received": True, "outcome": "ignored"}


def _event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """An Event object as Stripe's API reference shows it."""
    return {
        "id": stripe_id("evt_"),  # base 62: a hex id could hold a Luhn-valid digit run
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


async def _deliver(client: httpx.AsyncClient, event: dict[str, Any]) -> str:
    payload = json.dumps(event).encode()
    now = int(time.time())
    header = f"t={now},v1={signature(WEBHOOK_SECRET, now, payload)}"
    answer = await client.post(
        WEBHOOK,
        content=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["outcome"])


async def _events(stack: PaymentsStack, event_id: str) -> int:
    async with transaction(stack.app.state.sessionmaker) as session:
        query = select(func.count()).where(ProcessorEvent.id == event_id)
        return int(await session.scalar(query) or 0)


async def _mismatches(client: httpx.AsyncClient) -> float:
    """`parking_processor_events_total{outcome="charge_mismatch"}` on payments' /metrics."""
    text = (await client.get("/metrics")).text
    name = 'parking_processor_events_total{outcome="charge_mismatch"} '
    [line] = [line for line in text.splitlines() if line.startswith(name)]
    return float(line.split()[-1])
