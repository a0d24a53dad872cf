"""A card set up in the browser (the hosted card page's SetupIntent, confirmed as Stripe.js
does, against the local Stripe stand-in), then redeemed and charged off-session by the billing
loop's endpoint: what the issuer's authentication at setup changes for the later charges."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from servicekit.settings import PlatformSettings
from services.payments.hosted_card.config import HostedCardSettings
from services.payments.hosted_card.main import create_app
from tests.payments.factories import PaymentsStack
from tests.payments.processor.stripe_docs import SECRET_KEY
from tests.payments.processor.stripe_js import PUBLISHABLE_KEY
from tests.payments.processor.stripe_support import Stripe
from tests.payments.processor.test_stripe_charges import body, post


@pytest.fixture
async def hosted(stripe: Stripe) -> AsyncIterator[httpx.AsyncClient]:
    """The hosted card page in Stripe mode, creating its SetupIntents at the stand-in."""
    settings = HostedCardSettings(
        _env_file=None,  # type: ignore[call-arg]
        processor="stripe",
        stripe_publishable_key=PUBLISHABLE_KEY,
        stripe_secret_key=SECRET_KEY,
        stripe_api_base=stripe.url,
    )
    app: FastAPI = create_app(settings, PlatformSettings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8005") as c:
            yield c


async def set_up(hosted: httpx.AsyncClient, stripe: Stripe, number: str, outcome: str) -> str:
    """What the page's script and Stripe.js do: a SetupIntent, confirmed with the card typed
    in Stripe's element, the challenge answered when asked; the PaymentMethod it ends with."""
    secret = (await hosted.post("/v1/setup-intents")).json()["client_secret"]
    intent_id = secret.split("_secret_")[0]
    card = {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"}
    form = {f"payment_method_data[card][{k}]": v for k, v in card.items()}
    form |= {"payment_method_data[type]": "card", "key": PUBLISHABLE_KEY, "client_secret": secret}
    async with httpx.AsyncClient(base_url=stripe.url) as browser:
        confirmed = (await browser.post(f"/v1/setup_intents/{intent_id}/confirm", data=form)).json()
        if confirmed["status"] == "requires_action":
            await browser.post(
                "/3ds/complete", data={"setup_intent": intent_id, "outcome": outcome}
            )
    intent = stripe.docs.setup_intents[intent_id]
    assert intent["status"] == "succeeded", intent
    return str(intent["payment_method"])


@pytest.mark.parametrize(
    ("number", "status", "decline_code"),
    [
        ("4242424242424242", "paid", None),
        # authenticated at setup for off-session use: later charges go through
        ("4000002500003155", "paid", None),
        # this test card asks for authentication on every charge: the loop is told so
        ("4000002760003184", "declined", "authentication_required"),
    ],
)
async def test_a_card_set_up_in_the_browser_is_charged_off_session(
    hosted: httpx.AsyncClient,
    stripe: Stripe,
    client: httpx.AsyncClient,
    payments: PaymentsStack,
    number: str,
    status: str,
    decline_code: str | None,
) -> None:
    method = await stripe.card(await set_up(hosted, stripe, number, "complete"))
    assert method.last4 == number[-4:] and (method.gateway_token or "").startswith("cus_")
    answer = await post(client, payments, body(method))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == status
    assert answer.json().get("decline_code") == decline_code
    [sent] = stripe.docs.requests_to("/v1/payment_intents")
    assert sent.form["off_session"] == "true"
