"""The hosted card page, and the sandbox's endpoint its form posts the card to."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from servicekit.clock import today
from servicekit.i18n import translate
from servicekit.throttle import per_address
from services.payments.hosted_card import issuing
from services.payments.hosted_card.config import HostedCardSettings
from services.payments.hosted_card.schemas import CardEntryIn, SingleUseTokenOut

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
YEARS_SHOWN = 15

router = APIRouter(tags=["hosted card"])
# Sandbox mode only: in Stripe mode the card goes to Stripe from Stripe's own frame.
sandbox_router = APIRouter(tags=["hosted card"])


def page_language(lang: str) -> str:
    """French unless English is asked for."""
    return "en" if lang == "en" else "fr"


@router.get("/card", response_class=HTMLResponse)
async def card_page(
    request: Request, lang: Annotated[str, Query(max_length=5)] = "fr"
) -> HTMLResponse:
    """The card form framed by the portal: « No. de carte », « Date d'expiration », « CVV »."""
    language = page_language(lang)
    settings: HostedCardSettings = request.app.state.settings
    context: dict[str, Any] = {
        "lang": language,
        "t": lambda key: translate(key, language),
        "parent_origin": request.app.state.parent_origin,
    }
    if settings.processor == "stripe":
        context |= {
            "publishable_key": settings.stripe_publishable_key,
            "stripe_js_url": settings.stripe_js_url,
            "stripe_locale": "en" if language == "en" else "fr-CA",
        }
        return TEMPLATES.TemplateResponse(request, "stripe_card.html", context)
    year = today().year
    context["years"] = list(range(year, year + YEARS_SHOWN))
    return TEMPLATES.TemplateResponse(request, "card.html", context)


@sandbox_router.post(
    "/v1/single-use-tokens",
    status_code=201,
    response_model=SingleUseTokenOut,
    dependencies=[per_address("tokens_address")],
)
async def single_use_token(body: CardEntryIn, request: Request) -> SingleUseTokenOut:
    """The card checked (Luhn, expiry, CVV), then a token the portal redeems once."""
    state = request.app.state
    return await issuing.issue(state.sessionmaker, body, state.settings.token_seconds)
