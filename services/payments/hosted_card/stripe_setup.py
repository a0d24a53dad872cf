"""Stripe mode: the SetupIntent the page confirms in the browser, created here with the secret
key (`usage=off_session`): Stripe.js then runs 3-D Secure when the issuer asks, so the later
merchant-initiated charges (the first one after the operator's approval, then monthly) carry
the payer's authentication (docs/payments-api.md, "Hosted card entry with Stripe")."""

import logging
import uuid

from services.payments.gateway import GatewayUnavailable
from services.payments.hosted_card.schemas import SetupIntentOut
from services.payments.processors.stripe_client import StripeClient, StripeError

log = logging.getLogger(__name__)


async def create_setup_intent(client: StripeClient) -> SetupIntentOut:
    """A new SetupIntent for one card entry; only its client secret goes to the browser."""
    params = {"usage": "off_session", "payment_method_types": ["card"]}
    # One key per card entry: a retry of the same entry would reuse it, two entries never do.
    key = f"hosted-card-setup:{uuid.uuid4()}"
    try:
        intent = await client.post("/v1/setup_intents", params, key)
    except StripeError as failure:
        # Nothing the payer typed is in this request: a refusal is this service's setup (a
        # wrong key, a restricted key without SetupIntents), so 503 and a log line, not a 4xx.
        log.error("stripe setup intent refused: %s %s", failure.type, failure.code)
        raise GatewayUnavailable(reason=failure.code or failure.type) from None
    secret = intent.get("client_secret")
    if not isinstance(secret, str) or "_secret_" not in secret:
        raise GatewayUnavailable(reason="setup_intent_without_secret")
    return SetupIntentOut(client_secret=secret)
