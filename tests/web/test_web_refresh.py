"""Tokens: refreshed transparently with identity before or after they expire; a revoked session
sends the browser back to the login page."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from services.identity.main import create_app as create_identity
from services.identity.security import token_digest
from tests.support.service_rows import refresh_tokens
from tests.web.support import (
    Account,
    api_login,
    bearer,
    login,
    past_the_second_of,
    put_session,
    session_of,
)
from web.config import WebSettings


@pytest.fixture
async def instant_identity(
    apps: dict[str, FastAPI],
    identity_settings: IdentitySettings,
    platform_settings: PlatformSettings,
    temporal_env: WorkflowEnvironment,
) -> AsyncIterator[httpx.AsyncClient]:
    """A second identity app, same database and signing key, whose access tokens expire at once."""
    settings = identity_settings.model_copy(update={"access_token_minutes": 0})
    app = create_identity(settings, platform_settings, temporal_env.client, apps["http"])  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=platform_settings.identity_url
        ) as http:
            yield http


async def test_a_token_identity_refuses_is_refreshed_once(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    instant_identity: httpx.AsyncClient,
    user: Account,
    web_settings: WebSettings,
    identity_settings: IdentitySettings,
) -> None:
    await login(client, user.email)
    session = session_of(client, web_settings)
    login_refresh = session.refresh_token
    assert login_refresh
    expired = (await api_login(instant_identity, user.email))["access_token"]
    assert (await identity.get("/v1/me", headers=bearer(expired))).status_code == 401
    session.access_token = expired  # the web app still believes it good for ten minutes
    put_session(client, web_settings, session)
    cookie_before = client.cookies["__Host-session"]

    response = await client.get("/tableau-de-bord")

    assert response.status_code == 200
    assert "Marie" in response.text
    assert client.cookies["__Host-session"] != cookie_before
    renewed = session_of(client, web_settings)
    assert renewed.access_token != expired and renewed.refresh_token != login_refresh
    rows = await refresh_tokens(identity_settings.database_url, user.id)
    assert [digest for digest, revoked in rows if revoked] == [token_digest(login_refresh)]


async def test_a_token_about_to_expire_is_refreshed_before_use(
    client: httpx.AsyncClient,
    user: Account,
    web_settings: WebSettings,
) -> None:
    await login(client, user.email)
    session = session_of(client, web_settings)
    old_refresh = session.refresh_token
    session.access_expires_at = 0.0  # the token itself is still good: only the clock says no
    put_session(client, web_settings, session)
    response = await client.get("/tableau-de-bord")
    assert response.status_code == 200
    assert session_of(client, web_settings).refresh_token != old_refresh


async def test_revoked_session_sends_back_to_login(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    user: Account,
    web_settings: WebSettings,
) -> None:
    await login(client, user.email)
    await past_the_second_of(session_of(client, web_settings).access_token or "")
    elsewhere = await api_login(identity, user.email)  # another device logs out: all sessions end
    logout = await identity.post("/v1/sessions/logout", headers=bearer(elsewhere["access_token"]))
    assert logout.status_code == 204
    response = await client.get("/tableau-de-bord")
    assert response.headers["location"] == "/connexion"
    page = (await client.get("/connexion")).text
    assert "Votre session a expiré" in page
