"""The sandbox processor's hosted card page (its own app): the form the portal frames, the token
it issues for a valid card, used once and within its lifetime, and the refusals it names."""

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from servicekit.cards import contains_card_number
from servicekit.db import transaction
from servicekit.settings import PlatformSettings
from services.payments.hosted_card.config import HostedCardSettings
from services.payments.hosted_card.main import create_app
from services.payments.sandbox_models import SandboxSingleUseToken
from tests.payments.factories import (
    DECLINED_AT_TOKENISE,
    DECLINES_CHARGES,
    EXPIRED_AT_TOKENISE,
    MASTERCARD,
    VISA,
    PaymentsStack,
)
from tests.subscriptions.factories import UserFactory

TOKENS = "/v1/single-use-tokens"
CARD = "/v1/payment-methods/card"
PORTAL = "http://localhost:8000"


@pytest.fixture
async def hosted(payments: PaymentsStack) -> AsyncIterator[httpx.AsyncClient]:
    """The hosted page's app on the payments database, as the browser in the frame reaches it."""
    settings = HostedCardSettings(
        database_url=payments.settings.database_url, tokens_per_address="1000/minute"
    )
    app: FastAPI = create_app(settings, PlatformSettings(public_web_origin=PORTAL))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8005") as c:
            yield c


def typed(number: str = VISA) -> dict[str, object]:
    return {"number": number, "exp_month": 12, "exp_year": date.today().year + 2, "cvv": "123"}


async def issued(hosted: httpx.AsyncClient, number: str = VISA) -> str:
    answer = await hosted.post(TOKENS, json=typed(number))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


async def test_the_page_is_french_first_with_the_seed_labels(hosted: httpx.AsyncClient) -> None:
    french = await hosted.get("/card")
    assert french.status_code == 200 and '<html lang="fr">' in french.text
    for label in ("No. de carte", "Date d&#39;expiration", "Mois", "Année", "CVV"):
        assert label in french.text, label
    # every field has its label; the script is the page's own
    for name in ("f-number", "f-exp_month", "f-cvv"):
        assert f'for="{name}"' in french.text and f'id="{name}"' in french.text
    assert '<script src="/static/card_page.js">' in french.text
    english = await hosted.get("/card", params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Card number" in english.text


async def test_only_the_portal_may_frame_the_page(hosted: httpx.AsyncClient) -> None:
    page = await hosted.get("/card")
    csp = page.headers["content-security-policy"]
    assert f"frame-ancestors {PORTAL};" in csp and "default-src 'self'" in csp
    assert f'data-parent-origin="{PORTAL}"' in page.text
    script = await hosted.get("/static/card_page.js")
    assert script.status_code == 200 and "event.origin !== parentOrigin" in script.text


async def test_a_valid_card_gets_a_single_use_token_of_letters(hosted: httpx.AsyncClient) -> None:
    answer = await hosted.post(TOKENS, json=typed(MASTERCARD))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert re.fullmatch(r"stk_[A-Za-z]{32}", body["token"])
    assert (body["brand"], body["last4"]) == ("mastercard", "4444")
    assert not contains_card_number(answer.text)


async def test_a_bad_card_is_refused_field_by_field_in_french_and_english(
    hosted: httpx.AsyncClient,
) -> None:
    last_year = date.today().year - 1
    cases = [
        (typed("4242 4242 4242 4241"), "number", "Numéro de carte invalide.", "Invalid card"),
        (typed() | {"cvv": "12a"}, "cvv", "", ""),
        (
            typed() | {"exp_month": 1, "exp_year": last_year},
            "exp_year",
            "La carte est expirée.",
            "",
        ),
        (typed() | {"exp_month": 13}, "exp_month", "", ""),
    ]
    for body, field, french, english in cases:
        answer = await hosted.post(TOKENS, json=body)
        assert answer.status_code == 422, answer.text
        error = answer.json()["errors"][0]
        assert error["field"] == field, answer.text
        assert error["message"]["fr"] and error["message"]["en"]
        assert error["message"]["fr"].startswith(french) and error["message"]["en"].startswith(
            english
        )
        assert "4242424242424241" not in answer.text


async def test_the_token_pays_once(
    hosted: httpx.AsyncClient, client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users()
    body = {"holder_name": "Léa Tremblay", "card_token": await issued(hosted)}
    added = await client.post(CARD, json=body, headers=user.headers)
    assert added.status_code == 201 and added.json()["last4"] == "4242", added.text
    again = await client.post(CARD, json=body, headers=user.headers)
    assert (again.status_code, again.json()["error"]) == (422, "card_token_invalid")
    assert again.json()["message"]["fr"].startswith("La saisie de la carte a expiré")


async def test_an_expired_token_is_refused(
    hosted: httpx.AsyncClient,
    client: httpx.AsyncClient,
    users: UserFactory,
    payments: PaymentsStack,
) -> None:
    user, token = await users(), await issued(hosted)
    async with transaction(payments.app.state.sessionmaker) as session:
        row = await session.get(SandboxSingleUseToken, token)
        assert row is not None
        lifetime = row.expires_at - row.created_at
        await session.execute(
            update(SandboxSingleUseToken)
            .where(SandboxSingleUseToken.token == token)
            .values(expires_at=row.created_at - timedelta(seconds=1))
        )
    assert lifetime == timedelta(seconds=600)
    body = {"holder_name": "Léa Tremblay", "card_token": token}
    late = await client.post(CARD, json=body, headers=user.headers)
    assert (late.status_code, late.json()["error"]) == (422, "card_token_invalid")


async def test_the_sandbox_test_cards_behave_through_the_page(
    hosted: httpx.AsyncClient, client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users()
    expected = {
        DECLINED_AT_TOKENISE: (402, "card_declined"),
        EXPIRED_AT_TOKENISE: (422, "card_expired"),
        "4111111111111111": (402, "card_declined"),  # not a test number: test mode refuses it
        DECLINES_CHARGES: (201, None),  # taken; every charge is then declined
    }
    for number, (status, code) in expected.items():
        body = {"holder_name": "Léa Tremblay", "card_token": await issued(hosted, number)}
        answer = await client.post(CARD, json=body, headers=user.headers)
        assert answer.status_code == status, (number, answer.text)
        if code:
            assert answer.json()["error"] == code
