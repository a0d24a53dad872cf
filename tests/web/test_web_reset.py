"""A forgotten password: the same answer for any email, the emailed link, used and expired links."""

from urllib.parse import urlparse

import httpx
from fastapi import FastAPI

from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.support.service_rows import allow_next_email_now, expire_link
from tests.web.support import (
    PASSWORD,
    Account,
    csrf,
    emailed_link,
    field_error,
    login,
    new_email,
    token_of,
)

NEW_PASSWORD = "a-brand-new-secret"


async def reset_token(
    client: httpx.AsyncClient, smtp: SmtpServer, identity_app: FastAPI, account: Account
) -> str:
    """Ask for a link on the forgotten-password page; the token of the link identity emails."""
    await allow_next_email_now(identity_app, account.email)  # a minute after signup
    data = {"csrf_token": await csrf(client, "/mot-de-passe-perdu"), "email": account.email}
    assert (await client.post("/mot-de-passe-perdu", data=data)).status_code == 200
    link = await emailed_link(smtp, account.email, count=2)
    assert urlparse(link).path == "/reinitialisation"
    return token_of(link)


def reset_form(csrf_token: str, token: str, password: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token,
        "token": token,
        "password": password,
        "password_confirmation": password,
    }


async def test_forgot_password_answers_the_same_for_unknown_email(
    client: httpx.AsyncClient, identity_app: FastAPI, user: Account
) -> None:
    await allow_next_email_now(identity_app, user.email)  # a minute after the signup's email
    pages = []
    for email in [user.email, new_email("nobody")]:
        token = await csrf(client, "/mot-de-passe-perdu")
        data = {"csrf_token": token, "email": email}
        pages.append(await client.post("/mot-de-passe-perdu", data=data))
    assert pages[0].status_code == pages[1].status_code == 200
    assert "Si un compte correspond à cette adresse" in pages[0].text
    assert pages[0].text == pages[1].text


async def test_reset_sets_password_then_login(
    client: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    identity_app: FastAPI,
    user: Account,
) -> None:
    reset = await reset_token(client, smtp, identity_app, user)
    token = await csrf(client, f"/reinitialisation?token={reset}")
    data = reset_form(token, reset, NEW_PASSWORD)
    response = await client.post("/reinitialisation", data=data)
    assert response.headers["location"] == "/connexion"
    assert "Votre mot de passe a été modifié" in (await client.get("/connexion")).text
    again = await client.post("/reinitialisation", data={**data, "csrf_token": await csrf(client)})
    assert "a déjà été utilisé" in again.text
    assert 'href="/mot-de-passe-perdu"' in again.text
    assert (await login(client, user.email, PASSWORD)).status_code == 401
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 303


async def test_reset_short_password_shows_under_the_field_and_keeps_the_link(
    client: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    identity_app: FastAPI,
    user: Account,
) -> None:
    reset = await reset_token(client, smtp, identity_app, user)
    token = await csrf(client, f"/reinitialisation?token={reset}")
    response = await client.post("/reinitialisation", data=reset_form(token, reset, "x"))
    assert field_error(response.text, "password") == (
        "Le mot de passe doit contenir au moins 8 caractères."
    )
    assert f'name="token" value="{reset}"' in response.text
    retried = await client.post("/reinitialisation", data=reset_form(token, reset, NEW_PASSWORD))
    assert retried.headers["location"] == "/connexion"


async def test_expired_reset_link_asks_for_a_new_one(
    client: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    identity_app: FastAPI,
    user: Account,
) -> None:
    reset = await reset_token(client, smtp, identity_app, user)
    await expire_link(identity_settings.database_url, reset)
    token = await csrf(client, f"/reinitialisation?token={reset}")
    response = await client.post("/reinitialisation", data=reset_form(token, reset, NEW_PASSWORD))
    assert response.status_code == 400
    assert "Ce lien de réinitialisation a expiré." in response.text
    assert 'href="/mot-de-passe-perdu"' in response.text
    assert (await login(client, user.email, PASSWORD)).status_code == 303
