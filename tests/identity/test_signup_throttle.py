"""Signups are throttled per client address (item 9 of issue 10)."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from servicekit.throttle import Throttle
from tests.identity.helpers import PASSWORD

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
def low_limit(identity_app: FastAPI, platform_settings) -> Iterator[FastAPI]:
    """The session's identity app allowing 2 signups an hour per address, counted afresh."""
    saved = identity_app.state.throttle  # by hand: monkeypatch's undo loses State attributes
    rules = saved.rules_text | {"signup": "2/hour"}
    identity_app.state.throttle = Throttle("memory://", rules, platform_settings.service_token)
    yield identity_app
    identity_app.state.throttle = saved


def _client(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://identity.test")


def _signup(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}


async def test_the_third_signup_from_an_address_answers_429(low_limit, unique_email) -> None:
    async with _client(low_limit, "198.51.100.40") as client:
        answers = [
            await client.post("/v1/accounts", json=_signup(f"{i}-{unique_email}")) for i in range(3)
        ]
    assert [a.status_code for a in answers] == [202, 202, 429]
    refused = answers[2]
    assert int(refused.headers["Retry-After"]) > 3500
    assert refused.json()["error"] == "rate_limited"
    assert refused.json()["message"]["fr"].startswith("Trop de demandes. Réessayez dans ")
    async with _client(low_limit, "198.51.100.41") as elsewhere:
        other = await elsewhere.post("/v1/accounts", json=_signup(f"9-{unique_email}"))
        assert other.status_code == 202
