"""Contract tests of the Stripe adapter: each documented answer of Stripe, through the billing
loop's own endpoint (`POST /internal/v1/charges`, what the subscription workflow calls), and the
outcome the loop acts on (docs/billing.md "Processor")."""

import uuid
from typing import Any

import httpx
import pytest

from servicekit.db import transaction
from services.payments.gateway import GatewayKeyReused, UnknownToken
from services.payments.models import PaymentMethod
from tests.payments.factories import PaymentsStack, retry_body
from tests.payments.processor.stripe_support import Stripe

CHARGES = "/internal/v1/charges"
INTENTS = "/v1/payment_intents"


def body(method: PaymentMethod, amount: int = 6500, **changes: Any) -> dict[str, Any]:
    return {
        "idempotency_key": f"subscription-{uuid.uuid4().hex}:charge:2028-03-01",
        "account_id": method.account_id,
        "subscription_id": str(uuid.uuid4()),
        "payment_method_id": method.id,
        "period_start": "2028-03-01",
        "period_end": "2028-03-31",
        "amount_cents": amount,
        "description": "Abonnement / Subscription 49460186",
    } | changes


async def post(client: httpx.AsyncClient, stack: PaymentsStack, data: dict) -> httpx.Response:
    return await client.post(CHARGES, json=data, headers=stack.internal)


async def test_redeem_attaches_the_browser_payment_method_to_a_new_customer(
    stripe: Stripe,
) -> None:
    card = await stripe.card("pm_card_visa")
    customer, method = card.gateway_token.split("/") if card.gateway_token else ("", "")
    assert customer.startswith("cus_") and method == "pm_card_visa"
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2034)
    [attach] = stripe.docs.requests_to("/v1/payment_methods/pm_card_visa/attach")
    assert attach.form == {"customer": customer}
    with pytest.raises(UnknownToken):
        await stripe.gateway.redeem("pm_unknown")


async def test_success_is_a_merchant_initiated_charge_of_the_stored_credential(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    card = await stripe.card("pm_card_visa")
    data = body(card)
    answer = await post(client, payments, data)
    assert answer.status_code == 200 and answer.json()["status"] == "paid"
    [sent] = stripe.docs.requests_to(INTENTS)
    customer = (card.gateway_token or "").split("/")[0]
    assert sent.idempotency_key == data["idempotency_key"]
    assert sent.form == {
        "amount": "6500",
        "currency": "cad",
        "customer": customer,
        "payment_method": "pm_card_visa",
        "payment_method_types[0]": "card",
        "confirm": "true",
        "off_session": "true",
    }
    invoices = await _invoices(payments, card.account_id)
    assert [(i["status"], bool(i["receipt_number"])) for i in invoices] == [("paid", True)]
    assert (await post(client, payments, data)).json() == answer.json()  # once per key
    assert len(stripe.docs.requests_to(INTENTS)) == 1


async def test_a_soft_decline_goes_to_the_retry_calendar_and_is_charged_again(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    card = await stripe.card("pm_card_visa_chargeDeclinedInsufficientFunds")
    first = body(card)
    answer = (await post(client, payments, first)).json()
    assert (answer["status"], answer["decline_code"]) == ("declined", "insufficient_funds")
    invoices = await _invoices(payments, card.account_id)
    assert [i["status"] for i in invoices] == ["unpaid"]
    retry = retry_body(first, answer["invoice_id"], 1)
    again = (await post(client, payments, retry)).json()
    assert (again["status"], again["decline_code"]) == ("declined", "insufficient_funds")
    keys = [s.idempotency_key for s in stripe.docs.requests_to(INTENTS)]
    assert keys == [first["idempotency_key"], retry["idempotency_key"]]  # asked again


@pytest.mark.parametrize(
    "payment_method", ["pm_card_chargeDeclinedStolenCard", "pm_card_chargeDeclinedExpiredCard"]
)
async def test_a_hard_decline_is_never_charged_again_until_the_card_is_replaced(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack, payment_method: str
) -> None:
    card = await stripe.card(payment_method)
    first = body(card)
    answer = (await post(client, payments, first)).json()
    assert (answer["status"], answer["decline_code"]) == ("declined", "card_unusable")
    retry = retry_body(first, answer["invoice_id"], 1)
    again = (await post(client, payments, retry)).json()
    assert (again["status"], again["decline_code"]) == ("declined", "card_unusable")
    assert len(stripe.docs.requests_to(INTENTS)) == 1  # the unusable card was not asked again
    await stripe.replace_card(card.id, "pm_card_visa")  # « Mettre à jour la carte »
    paid = (await post(client, payments, retry_body(first, answer["invoice_id"], 2))).json()
    assert paid["status"] == "paid" and paid["invoice_id"] == answer["invoice_id"]
    assert [i["status"] for i in await _invoices(payments, card.account_id)] == ["paid"]


async def test_a_card_stripe_does_not_know_declines_as_unusable(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    """A card the sandbox tokenised before the switch, or one deleted at Stripe: the user is
    asked for another card (the dunning path), the subscription's billing never stops."""
    card = await stripe.card("pm_card_visa")
    async with transaction(payments.app.state.sessionmaker) as session:
        row = await session.get(PaymentMethod, card.id)
        assert row is not None
        row.gateway_token = "tok_sandboxCardFromBefore"
    answer = (await post(client, payments, body(card))).json()
    assert (answer["status"], answer["decline_code"]) == ("declined", "card_unusable")
    assert stripe.docs.requests_to(INTENTS) == []
    gone = (await stripe.gateway.redeem("pm_card_visa")).token.split("/")[0] + "/pm_gone"
    charge = await stripe.gateway.charge(gone, 6500, f"test:{uuid.uuid4()}")
    assert (charge.status, charge.decline_code) == ("declined", "card_unusable")


async def test_3ds_wanted_off_session_declines_as_authentication_required(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    card = await stripe.card("pm_card_authenticationRequired")
    answer = (await post(client, payments, body(card))).json()
    assert (answer["status"], answer["decline_code"]) == ("declined", "authentication_required")


async def test_a_customer_present_charge_gets_the_3ds_challenge(stripe: Stripe) -> None:
    card = await stripe.card("pm_card_authenticationRequired")
    assert card.gateway_token is not None
    key = f"claim-notice:{uuid.uuid4()}:0"
    charge = await stripe.gateway.charge_customer_present(card.gateway_token, 4500, key)
    assert charge.status == "requires_action" and charge.reference.startswith("pi_")
    assert charge.action_url and charge.action_url.startswith("https://hooks.stripe.com/")
    [sent] = stripe.docs.requests_to(INTENTS)
    assert "off_session" not in sent.form
    assert sent.form["return_url"] == "http://localhost:8000/retour"
    assert sent.form["payment_method_options[card][request_three_d_secure]"] == "automatic"
    visa = await stripe.card("pm_card_visa")
    assert visa.gateway_token is not None
    paid = await stripe.gateway.charge_customer_present(visa.gateway_token, 4500, key + "b")
    assert paid.status == "captured" and paid.action_url is None


async def test_a_timeout_is_retried_with_the_same_key_and_charges_once(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    card = await stripe.card("pm_card_timeout")
    data = body(card)
    late = await post(client, payments, data)
    assert late.status_code == 503 and late.json()["error"] == "gateway_unavailable"
    assert [i["status"] for i in await _invoices(payments, card.account_id)] == []
    again = await post(client, payments, data)  # the activity's retry: the same body and key
    assert again.status_code == 200 and again.json()["status"] == "paid"
    sent = stripe.docs.requests_to(INTENTS)
    assert [s.idempotency_key for s in sent] == [data["idempotency_key"]] * 2
    assert len(stripe.docs.intents) == 1  # one PaymentIntent: the second answer was a replay
    assert [i["status"] for i in await _invoices(payments, card.account_id)] == ["paid"]


async def test_a_key_reused_with_other_parameters_is_refused_not_charged(
    stripe: Stripe, client: httpx.AsyncClient, payments: PaymentsStack
) -> None:
    """A timed-out attempt resumed after the card was replaced reaches Stripe with the same key
    and another PaymentMethod: Stripe's `idempotency_error`, a 409 the workflow does not retry."""
    card = await stripe.card("pm_card_timeout")
    data = body(card)
    assert (await post(client, payments, data)).status_code == 503
    await stripe.replace_card(card.id, "pm_card_visa")
    refused = await post(client, payments, data)
    assert refused.status_code == 409
    assert refused.json()["error"] == "gateway_idempotency_key_reused"
    assert len(stripe.docs.intents) == 1
    other = (await stripe.gateway.redeem("pm_card_visa")).token
    with pytest.raises(GatewayKeyReused):
        await stripe.gateway.charge(other, 9900, data["idempotency_key"])


async def _invoices(stack: PaymentsStack, account_id: str) -> list[dict[str, Any]]:
    """The account's invoices, as the billing views list them."""
    from services.payments import repository as repo
    from services.payments.views import invoice_out

    async with transaction(stack.app.state.sessionmaker) as session:
        rows = await repo.invoices_of(session, account_id)
        return [invoice_out(i).model_dump() for i in rows]
