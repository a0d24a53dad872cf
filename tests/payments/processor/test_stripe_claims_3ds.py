"""A claim notice paid with the payer present through Stripe (the local server answering as
Stripe's documentation shows): 3-D Secure settled by the return page and by the webhook (either
first, the second changes nothing), a failed challenge released, an abandoned PaymentIntent
canceled before a new attempt, and a lost answer found again instead of charged twice."""

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from servicekit.db import transaction, utcnow
from services.payments.claims.models import ClaimNotice, ClaimReceipt
from services.payments.processors.stripe_webhooks import signature
from tests.payments.conftest import NoticeFactory
from tests.payments.factories import PaymentsStack
from tests.payments.processor.stripe_support import WEBHOOK_SECRET, Stripe
from tests.payments.processor.test_stripe_refunds_webhooks import _event

PAY = "/v1/claim-notices/pay"
INTENTS = "/v1/payment_intents"
WEBHOOK = "/v1/processor/webhooks/stripe"
CHALLENGE = "pm_card_authenticationRequired"


async def pay(client: httpx.AsyncClient, notice: dict[str, Any], method: str) -> httpx.Response:
    body = {
        "number": notice["number"],
        "plate": notice["plate"],
        "card": {"holder_name": "Léa Tremblay", "card_token": method},
    }
    return await client.post(PAY, json=body)


def settle_url(payment_id: str) -> str:
    return f"/v1/claim-notices/payments/{payment_id}/settle"


async def challenged(
    client: httpx.AsyncClient, stripe: Stripe, notice: dict[str, Any]
) -> tuple[str, str]:
    """(the attempt's opaque id, its PaymentIntent) of a payment waiting for 3-D Secure."""
    answer = await pay(client, notice, CHALLENGE)
    assert answer.status_code == 202, answer.text
    out = answer.json()
    assert out["action_url"].startswith("https://hooks.stripe.com/3d_secure_2/hosted")
    [sent] = stripe.docs.requests_to(INTENTS)
    assert "off_session" not in sent.form
    assert sent.form["return_url"].endswith(f"/retour?paiement={out['payment_id']}")
    assert notice["plate"] not in sent.form["return_url"]
    [intent] = [i for i in stripe.docs.intents if i in out["action_url"]]
    return str(out["payment_id"]), intent


async def webhook(client: httpx.AsyncClient, event: dict[str, Any]) -> str:
    payload = json.dumps(event).encode()
    now = int(time.time())
    header = f"t={now},v1={signature(WEBHOOK_SECRET, now, payload)}"
    answer = await client.post(WEBHOOK, content=payload, headers={"Stripe-Signature": header})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["outcome"])


async def notice_row(payments: PaymentsStack, number: object) -> ClaimNotice:
    async with payments.app.state.sessionmaker() as session:
        found = await session.scalar(select(ClaimNotice).where(ClaimNotice.number == number))
    assert found is not None
    return found


async def abandon(payments: PaymentsStack, number: object, minutes: int) -> None:
    async with transaction(payments.app.state.sessionmaker) as session:
        await session.execute(
            update(ClaimNotice)
            .where(ClaimNotice.number == number)
            .values(claimed_at=utcnow() - timedelta(minutes=minutes))
        )


def captured(stripe: Stripe) -> list[str]:
    return [i for i, intent in stripe.docs.intents.items() if intent["status"] == "succeeded"]


async def test_the_return_page_settles_then_the_webhook_changes_nothing(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    payment_id, intent = await challenged(client, stripe, notice)
    stored = await notice_row(payments, notice["number"])
    assert (stored.status, stored.payment_reference) == ("authenticating", intent)
    waiting = await client.post(settle_url(payment_id))  # back before answering the bank
    assert waiting.status_code == 202 and waiting.json()["action_url"]
    stripe.docs.authenticate(intent)
    paid = await client.post(settle_url(payment_id))
    assert paid.status_code == 200, paid.text
    assert (await client.post(settle_url(payment_id))).json() == paid.json()
    event = _event("payment_intent.succeeded", stripe.docs.intents[intent])
    assert await webhook(client, event) == "claim_confirmed"
    assert await webhook(client, event) == "claim_confirmed"  # a redelivery: recorded once
    assert (await notice_row(payments, notice["number"])).status == "paid"
    assert captured(stripe) == [intent]


async def test_the_webhook_settles_first_then_the_return_page_shows_its_receipt(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    payment_id, intent = await challenged(client, stripe, notice)
    succeeded = stripe.docs.authenticate(intent)
    assert await webhook(client, _event("payment_intent.succeeded", succeeded)) == "claim_paid"
    stored = await notice_row(payments, notice["number"])
    assert stored.status == "paid"
    shown = await client.post(settle_url(payment_id))
    assert shown.status_code == 200 and shown.json()["notice_number"] == notice["number"]
    again = await webhook(client, _event("payment_intent.succeeded", succeeded))
    assert again == "claim_confirmed"
    twice = await pay(client, notice, "pm_card_visa")
    assert (twice.status_code, twice.json()["error"]) == (409, "claim_already_paid")
    assert captured(stripe) == [intent]


async def test_a_failed_challenge_is_released_by_the_webhook_and_the_return_page(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    payment_id, intent = await challenged(client, stripe, notice)
    failed = stripe.docs.authenticate(intent, succeeded=False)
    outcome = await webhook(client, _event("payment_intent.payment_failed", failed))
    assert outcome == "claim_released"
    stored = await notice_row(payments, notice["number"])
    assert (stored.status, stored.attempt) == ("unpaid", 1)
    declined = await client.post(settle_url(payment_id))
    assert (declined.status_code, declined.json()["error"]) == (402, "card_declined")

    other = await notices()  # the return page first: the intent is canceled, so it is final
    other_id, other_intent = await challenged_again(client, stripe, other)
    stripe.docs.authenticate(other_intent, succeeded=False)
    refused = await client.post(settle_url(other_id))
    assert (refused.status_code, refused.json()["error"]) == (402, "card_declined")
    assert stripe.docs.intents[other_intent]["status"] == "canceled"
    event = _event("payment_intent.canceled", stripe.docs.intents[other_intent])
    assert await webhook(client, event) == "claim_released"  # nothing left to change
    assert (await notice_row(payments, other["number"])).attempt == 1


async def challenged_again(
    client: httpx.AsyncClient, stripe: Stripe, notice: dict[str, Any]
) -> tuple[str, str]:
    """As `challenged`, for a second notice of the same test."""
    answer = await pay(client, notice, CHALLENGE)
    assert answer.status_code == 202, answer.text
    out = answer.json()
    [intent] = [i for i in stripe.docs.intents if i in out["action_url"]]
    return str(out["payment_id"]), intent


async def test_an_abandoned_intent_is_canceled_at_stripe_before_a_new_attempt(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    payment_id, intent = await challenged(client, stripe, notice)
    early = await pay(client, notice, "pm_card_visa")
    assert (early.status_code, early.json()["error"]) == (409, "claim_payment_in_progress")
    await abandon(payments, notice["number"], 16)
    paid = await pay(client, notice, "pm_card_visa")
    assert paid.status_code == 200, paid.text
    [cancel] = stripe.docs.requests_to(f"{INTENTS}/{intent}/cancel")
    assert cancel.idempotency_key == f"cancel:{intent}"
    assert stripe.docs.intents[intent]["status"] == "canceled"
    assert len(captured(stripe)) == 1 and intent not in captured(stripe)
    late = await client.post(settle_url(payment_id))
    assert (late.status_code, late.json()["error"]) == (409, "claim_already_paid")


async def test_an_abandoned_intent_that_succeeded_is_recorded_paid_not_charged_again(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    payment_id, intent = await challenged(client, stripe, notice)
    stripe.docs.authenticate(intent)  # the webhook and the return page never came
    await abandon(payments, notice["number"], 16)
    second = await pay(client, notice, "pm_card_visa")
    assert (second.status_code, second.json()["error"]) == (409, "claim_already_paid")
    assert stripe.docs.requests_to(f"{INTENTS}/{intent}/cancel") == []  # read first: succeeded
    assert captured(stripe) == [intent]
    assert len(stripe.docs.requests_to(INTENTS)) == 1  # the second card was never charged
    stored = await notice_row(payments, notice["number"])
    assert (stored.status, stored.payment_reference) == ("paid", intent)
    assert (await client.post(settle_url(payment_id))).status_code == 200


async def test_a_lost_answer_is_asked_again_under_its_key_then_canceled(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    lost = await pay(client, notice, "pm_card_authenticationRequiredSlow")
    assert (lost.status_code, lost.json()["error"]) == (503, "gateway_unavailable")
    [intent] = stripe.docs.intents  # made at Stripe; its answer never reached payments
    stored = await notice_row(payments, notice["number"])
    assert (stored.status, stored.payment_reference) == ("paying", None)
    await abandon(payments, notice["number"], 6)
    paid = await pay(client, notice, "pm_card_visa")
    assert paid.status_code == 200, paid.text
    first, replayed, _ = stripe.docs.requests_to(INTENTS)
    assert replayed.idempotency_key == first.idempotency_key and replayed.form == first.form
    assert stripe.docs.intents[intent]["status"] == "canceled"
    assert len(captured(stripe)) == 1 and intent not in captured(stripe)


async def test_a_cancel_refused_because_the_intent_succeeded_answers_captured(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory
) -> None:
    """The payer answers the bank between the read and the cancel: Stripe refuses to cancel
    (`payment_intent_unexpected_state`) and the adapter answers the capture, never lost."""
    _, intent = await challenged(client, stripe, await notices())
    stripe.docs.authenticate(intent)
    answer = await stripe.gateway.cancel_customer_charge(intent)
    assert (answer.status, answer.reference) == ("captured", intent)
    [cancel] = stripe.docs.requests_to(f"{INTENTS}/{intent}/cancel")
    assert cancel.form == {}
    assert stripe.docs.intents[intent]["status"] == "succeeded"


async def test_the_return_page_and_the_webhook_at_the_same_moment_record_one_receipt(
    stripe: Stripe, client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    for _ in range(3):  # a race won once by luck proves nothing: run it a few times
        notice = await notices()
        payment_id, intent = await challenged_again(client, stripe, notice)
        succeeded = stripe.docs.authenticate(intent)
        page, outcome = await asyncio.gather(
            client.post(settle_url(payment_id)),
            webhook(client, _event("payment_intent.succeeded", succeeded)),
        )
        assert page.status_code == 200, page.text
        assert outcome in ("claim_paid", "claim_confirmed")
        stored = await notice_row(payments, notice["number"])
        async with payments.app.state.sessionmaker() as session:
            receipts = (
                await session.scalars(
                    select(ClaimReceipt).where(ClaimReceipt.notice_id == stored.id)
                )
            ).all()
        assert [r.id for r in receipts] == [page.json()["receipt_id"]]
