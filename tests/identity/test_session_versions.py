"""Ended sessions: by session version at identity (a token issued in the same second as the
logout is refused too), and within seconds at subscriptions and payments."""

import time

import httpx
import jwt
import pytest
from fastapi import FastAPI

from servicekit.auth import configure_verifier
from tests.identity.helpers import PASSWORD, bearer, login, verified_account
from tests.support.verifier import identity_verifier
from tests.support.waiting import eventually

pytestmark = pytest.mark.usefixtures("worker")
NEW = "another fine passphrase"


def _iat(tokens: dict) -> int:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    return int(claims["iat"])


async def test_a_token_issued_in_the_same_second_as_the_logout_is_refused(
    identity, smtp, unique_email
):
    await verified_account(identity, smtp, unique_email)
    same_second = False
    for _ in range(10):  # until one login and its logout fall in the same second
        tokens = await login(identity, unique_email)
        logout = await identity.post("/v1/sessions/logout", headers=bearer(tokens))
        assert logout.status_code == 204
        same_second = int(time.time()) == _iat(tokens)
        assert (await identity.get("/v1/me", headers=bearer(tokens))).status_code == 401
        if same_second:
            break
    assert same_second, "no login and logout in the same second: nothing was shown"


async def test_the_token_a_password_change_returns_works_in_the_same_second(
    identity, smtp, unique_email
):
    await verified_account(identity, smtp, unique_email)
    old = await login(identity, unique_email)
    changed = await identity.post(
        "/v1/me/password",
        headers=bearer(old),
        json={
            "current_password": PASSWORD,
            "new_password": NEW,
            "new_password_confirmation": NEW,
        },
    )
    assert changed.status_code == 200, changed.text
    assert (await identity.get("/v1/me", headers=bearer(changed.json()))).status_code == 200
    assert (await identity.get("/v1/me", headers=bearer(old))).status_code == 401


class Services:
    """Subscriptions and payments, called with a user's bearer token."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps

    async def statuses(self, tokens: dict) -> tuple[int, int]:
        answers = []
        for name, path in (("subscriptions", "/v1/vehicles"), ("payments", "/v1/balance")):
            transport = httpx.ASGITransport(app=self.apps[name])
            async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
                answers.append((await client.get(path, headers=bearer(tokens))).status_code)
        return answers[0], answers[1]

    async def refused(self, tokens: dict) -> bool:
        return await self.statuses(tokens) == (401, 401)


@pytest.fixture
def services(apps, platform_settings) -> Services:
    # The services' verifier is process-wide: this test sets the one the session's apps use
    # (another test may have installed one without identity's list).
    configure_verifier(identity_verifier(apps["identity"], platform_settings, apps["http"]))
    return Services(apps)


async def test_a_logged_out_token_is_refused_by_subscriptions_and_payments_within_seconds(
    identity, smtp, unique_email, services
):
    await verified_account(identity, smtp, unique_email)
    tokens = await login(identity, unique_email)
    assert await services.statuses(tokens) == (200, 200)

    assert (await identity.post("/v1/sessions/logout", headers=bearer(tokens))).status_code == 204

    await eventually(lambda: services.refused(tokens), timeout=10.0)
    again = await login(identity, unique_email)  # a new session is not affected
    assert await services.statuses(again) == (200, 200)


async def test_a_token_without_a_session_version_is_refused_by_the_services(
    apps, identity, smtp, unique_email, services, platform_settings
):
    await verified_account(identity, smtp, unique_email)
    tokens = await login(identity, unique_email)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    key = apps["identity"].state.components.key
    unversioned = jwt.encode(
        {k: v for k, v in claims.items() if k != "sv"},
        key.private_key,
        algorithm="ES256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    assert await services.statuses({"access_token": unversioned}) == (401, 401)
    assert (await identity.get("/v1/me", headers=bearer(tokens))).status_code == 200
    assert (
        await identity.get("/v1/me", headers={"Authorization": f"Bearer {unversioned}"})
    ).status_code == 401
