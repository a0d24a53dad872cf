"""Stripe mode's endpoint: the SetupIntent the card form confirms (throttled per address as
the sandbox's tokens are: creating one is the first step of testing a stolen card)."""

from fastapi import APIRouter, Request

from servicekit.throttle import per_address
from services.payments.hosted_card import stripe_setup
from services.payments.hosted_card.schemas import SetupIntentOut

router = APIRouter(tags=["hosted card"])


@router.post(
    "/v1/setup-intents",
    status_code=201,
    response_model=SetupIntentOut,
    dependencies=[per_address("tokens_address")],
)
async def setup_intent(request: Request) -> SetupIntentOut:
    """A SetupIntent (`usage=off_session`) for one card entry: its client secret."""
    return await stripe_setup.create_setup_intent(request.app.state.stripe_client)
