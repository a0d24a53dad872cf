"""The billing loop of SubscriptionWorkflow charging through the Stripe adapter (time-skipping
server, the real billing activities and payments service), with Stripe played by the local
server that answers as its documentation shows (tests/payments/processor/stripe_docs.py).

What each of Stripe's answers makes the loop do: a card Stripe calls unusable is never sent to
Stripe again, yet follows the decline calendar into arrears and recovers once replaced; an
answer that never comes is retried by the activity with the same key and charges once.
"""

from datetime import timedelta

import pytest
from fastapi import FastAPI

from tests.payments.processor.stripe_support import stripe_in
from tests.workflows.billing_support import Billing
from tests.workflows.fake_subscriptions import cancel_at, decide, sleep_until, start, today
from tests.workflows.helpers import eventually
from workflows.subscription.models import PaymentMethodUpdated
from workflows.subscription.workflows import SubscriptionWorkflow

INTENTS = "/v1/payment_intents"


async def test_a_stolen_card_is_not_charged_again_falls_into_arrears_and_recovers_once_replaced(
    billing: Billing, apps: dict[str, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = billing.service
    async with stripe_in(apps["payments"], monkeypatch) as stripe, billing.worker():
        card = await stripe.card("pm_card_chargeDeclinedStolenCard", billing.user.id)
        handle = await start(billing.env, service, billing.queue, row=billing.row("pad", card.id))
        approved_at = await billing.env.get_current_time()
        await decide(billing.env, handle, "approve")
        await eventually(lambda: "payment_declined" in service.emails())
        for days in (1, 3, 7):
            await sleep_until(billing.env, approved_at + timedelta(days=days, hours=1))
        await eventually(lambda: "subscription_in_arrears" in service.emails())
        declines = [e for e in service.named("email") if e.kind == "payment_declined"]
        # The card is never retried as is: each decline email asks for another, with no date.
        assert declines and all(e.card_unusable and e.next_attempt is None for e in declines)
        first = billing.recorder.charges[0].input.period_start
        attempts = [c for c in billing.recorder.charges if c.input.period_start == first]
        assert [(c.result.status, c.result.decline_code) for c in attempts] == [
            ("declined", "card_unusable")
        ] * 4
        assert len(stripe.docs.requests_to(INTENTS)) == 1  # only the first reached Stripe

        await stripe.replace_card(card.id, "pm_card_visa")
        await billing.latest(handle).signal(
            SubscriptionWorkflow.payment_method_updated,
            PaymentMethodUpdated(account_id=billing.user.id),
        )
        await eventually(lambda: "subscription_recovered" in service.emails())
        assert await billing.balance() == 0
        assert {i["status"] for i in await billing.invoices()} == {"paid"}
        sent = stripe.docs.requests_to(INTENTS)[1:]
        assert sent and {s.form["payment_method"] for s in sent} == {"pm_card_visa"}
        assert all(s.form["off_session"] == "true" for s in sent)
        await cancel_at(billing.env, billing.latest(handle), await today(billing.env))
        await handle.result()


@pytest.mark.start_at(6, 10)  # the 30-day notice ends in July: two periods, nothing to credit
async def test_a_charge_stripe_never_answered_is_retried_with_its_key_and_charged_once(
    billing: Billing, apps: dict[str, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with stripe_in(apps["payments"], monkeypatch) as stripe, billing.worker():
        card = await stripe.card("pm_card_timeout", billing.user.id)
        handle = await start(
            billing.env, billing.service, billing.queue, row=billing.row("pad", card.id)
        )
        approved_on = await today(billing.env)
        await decide(billing.env, handle, "approve")
        await eventually(lambda: len(billing.recorder.charges) == 1)
        await cancel_at(billing.env, handle, approved_on)
        await handle.result()

    # Each period (the first, and the month the notice reaches) timed out once at Stripe.
    charged = billing.recorder.charges  # an activity's failed attempt records nothing
    assert len(charged) == 2 and {c.result.status for c in charged} == {"paid"}
    sent = [s.idempotency_key for s in stripe.docs.requests_to(INTENTS)]
    assert sent == [key for c in charged for key in [c.input.idempotency_key] * 2]
    assert len(stripe.docs.intents) == len(charged)  # each retry got Stripe's saved answer
    assert {i["status"] for i in await billing.invoices()} == {"paid"}
    assert await billing.balance() == 0
