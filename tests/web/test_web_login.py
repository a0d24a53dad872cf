"""Logging in (generic refusal, unverified, throttled, forwarded address) and logging out."""

import httpx
import pytest
from fastapi import FastAPI

from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.support.service_rows import (
    allow_next_email_now,
    date_login_failures,
    login_failure_scopes,
    set_role,
)
from tests.web.support import (
    Account,
    bearer,
    csrf,
    emailed_token,
    login,
    past_the_second_of,
    session_of,
    sign_up,
)
from web.config import WebSettings


async def test_login_with_wrong_password_is_generic(
    client: httpx.AsyncClient, user: Account
) -> None:
    response = await login(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert "Adresse courriel ou mot de passe incorrect." in response.text
    assert "Envoyer de nouveau les instructions" not in response.text


@pytest.mark.usefixtures("worker")
async def test_login_unverified_offers_resend(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    unique_email: str,
    identity_app: FastAPI,
) -> None:
    await sign_up(identity, unique_email)
    first = await emailed_token(smtp, unique_email)
    wrong = await login(client, unique_email, "pas le bon mot de passe")
    assert wrong.status_code == 401  # without the password, nothing is said about the account
    assert "Envoyer de nouveau les instructions" not in wrong.text
    response = await login(client, unique_email)
    assert response.status_code == 403
    assert "n'a pas encore été validée" in response.text.replace("&#39;", "'")
    assert "Envoyer de nouveau les instructions" in response.text

    await allow_next_email_now(identity_app, unique_email)
    token = await csrf(client, "/connexion")
    await client.post("/confirmation-du-compte/renvoyer", data={"csrf_token": token})
    assert await emailed_token(smtp, unique_email, count=2) != first


async def test_login_throttled_shows_the_wait(
    client: httpx.AsyncClient, user: Account, identity_settings: IdentitySettings
) -> None:
    for _ in range(identity_settings.login_failures_per_account):
        assert (await login(client, user.email, "wrong-password")).status_code == 401
    window = identity_settings.login_window_minutes
    await date_login_failures(identity_settings.database_url, user.email, minutes_ago=window - 5)
    response = await login(client, user.email)
    assert response.status_code == 429
    assert "Réessayez dans 5 minute(s)." in response.text


async def test_login_goes_to_profile_until_complete(
    client: httpx.AsyncClient, bare: Account
) -> None:
    response = await login(client, bare.email)
    assert response.headers["location"] == "/informations-personnelles"


async def test_an_operator_lands_on_the_console_even_without_a_profile(
    client: httpx.AsyncClient, bare: Account, identity_settings: IdentitySettings
) -> None:
    await set_role(identity_settings.database_url, bare.email, "operator")
    response = await login(client, bare.email)
    assert response.headers["location"] == "/console-operateur"
    assert "Console opérateur" in (await client.get("/console-operateur")).text


async def test_login_forwards_the_browser_address_with_the_service_token(
    client: httpx.AsyncClient,
    user: Account,
    browser_ip: str,
    identity_settings: IdentitySettings,
) -> None:
    assert (await login(client, user.email, "wrong-password")).status_code == 401
    # identity counts the failure against the browser's address only if it trusts the web app
    assert f"address:{browser_ip}" in await login_failure_scopes(identity_settings.database_url)
    response = await login(client, user.email)
    assert response.headers["location"] == "/tableau-de-bord"


async def test_logout_revokes_and_forgets(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    user: Account,
    web_settings: WebSettings,
) -> None:
    await login(client, user.email)
    tokens = session_of(client, web_settings)
    assert tokens.access_token and tokens.refresh_token
    await past_the_second_of(tokens.access_token)
    token = await csrf(client, "/tableau-de-bord")
    response = await client.post("/deconnexion", data={"csrf_token": token})
    assert response.headers["location"] == "/connexion"
    assert not session_of(client, web_settings).signed_in
    assert (await identity.get("/v1/me", headers=bearer(tokens.access_token))).status_code == 401
    refresh = {"refresh_token": tokens.refresh_token}
    assert (await identity.post("/v1/sessions/refresh", json=refresh)).status_code == 401
    assert (await client.get("/tableau-de-bord")).status_code == 303
    assert "Vous êtes déconnecté." in (await client.get("/connexion")).text
