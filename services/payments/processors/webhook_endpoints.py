"""The processor's webhook (`POST /v1/processor/webhooks/stripe`): no bearer token, the
signature is the proof (docs/payments-api.md "Processor")."""

import time
from typing import Annotated

from fastapi import APIRouter, Header, Request

from services.payments.claims.dependencies import ReceiptsDep
from services.payments.dependencies import ComponentsDep
from services.payments.processors import stripe_webhooks
from services.payments.processors.schemas import WebhookOut

router = APIRouter(prefix="/v1/processor/webhooks", tags=["processor"])


@router.post("/stripe", response_model=WebhookOut)
async def stripe_webhook(
    request: Request,
    parts: ComponentsDep,
    receipts: ReceiptsDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookOut:
    """A Stripe event, signed with the endpoint's secret (`Stripe-Signature`); 400 when the
    signature or its time is wrong; each event id applied once, unknown events acknowledged."""
    payload = await request.body()
    settings = parts.settings
    stripe_webhooks.verify(
        payload,
        stripe_signature,
        settings.stripe_webhook_secret,
        settings.stripe_webhook_tolerance_seconds,
        time.time(),
    )
    event = stripe_webhooks.parse(payload)
    outcome = await stripe_webhooks.handle(parts.sessions, event, receipts)
    return WebhookOut(received=True, outcome=outcome)
