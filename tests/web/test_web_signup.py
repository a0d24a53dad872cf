"""Opening an account: errors under the fields, the emailed link (used, expired), resend."""

import httpx
import pytest
from fastapi import FastAPI

from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.support.service_rows import allow_next_email_now, expire_link
from tests.web.support import PASSWORD, csrf, emailed_token, field_error, login, sign_up

pytestmark = pytest.mark.usefixtures("worker")


async def signup(
    client: httpx.AsyncClient, email: str, password: str, confirmation: str
) -> httpx.Response:
    token = await csrf(client, "/creer-un-compte")
    data = {
        "csrf_token": token,
        "email": email,
        "password": password,
        "password_confirmation": confirmation,
    }
    return await client.post("/creer-un-compte", data=data)


async def test_short_password_shows_french_message_under_the_password(
    client: httpx.AsyncClient, unique_email: str
) -> None:
    response = await signup(client, unique_email, "court", "court")
    assert response.status_code == 422
    assert field_error(response.text, "password") == (
        "Le mot de passe doit contenir au moins 8 caractères."
    )
    assert field_error(response.text, "email") is None
    assert f'value="{unique_email}"' in response.text


async def test_short_password_in_english(client: httpx.AsyncClient, unique_email: str) -> None:
    await client.get("/creer-un-compte?lang=en")
    response = await signup(client, unique_email, "short", "short")
    assert field_error(response.text, "password") == (
        "The password must be at least 8 characters long."
    )


async def test_mismatch_shows_under_the_confirmation(
    client: httpx.AsyncClient, unique_email: str
) -> None:
    response = await signup(client, unique_email, PASSWORD, PASSWORD + "x")
    assert response.status_code == 422
    assert field_error(response.text, "password_confirmation") == (
        "La confirmation ne correspond pas au mot de passe."
    )
    assert field_error(response.text, "password") is None


async def test_signup_leads_to_confirmation_then_verification(
    client: httpx.AsyncClient, smtp: SmtpServer, unique_email: str
) -> None:
    response = await signup(client, unique_email, PASSWORD, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/confirmation-du-compte"
    assert unique_email in (await client.get("/confirmation-du-compte")).text
    token = await emailed_token(smtp, unique_email)
    redirect = await client.get(f"/verification?token={token}")
    assert redirect.status_code == 303
    assert redirect.headers["referrer-policy"] == "no-referrer"
    result = await client.get(redirect.headers["location"])
    assert "Votre adresse e-mail a bien été validée" in result.text
    assert "Vous pouvez maintenant vous connecter avec votre nouveau compte" in result.text
    assert 'href="/connexion">CONTINUER' in result.text
    assert result.headers["referrer-policy"] == "no-referrer"
    assert (await login(client, unique_email)).status_code == 303  # identity: verified


async def test_used_verification_link_offers_login_and_resend(
    client: httpx.AsyncClient, identity: httpx.AsyncClient, smtp: SmtpServer, unique_email: str
) -> None:
    await sign_up(identity, unique_email)
    token = await emailed_token(smtp, unique_email)
    first = await client.get(f"/verification?token={token}", follow_redirects=True)
    assert "Votre adresse e-mail a bien été validée" in first.text
    response = await client.get(f"/verification?token={token}", follow_redirects=True)
    assert "a déjà été utilisé" in response.text
    assert "Aller à la connexion" in response.text
    assert 'action="/confirmation-du-compte/renvoyer"' in response.text
    bad = await client.get("/verification?token=nope", follow_redirects=True)
    assert "n'est pas valide" in bad.text.replace("&#39;", "'")


async def test_expired_verification_link_offers_a_new_one_that_works(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    unique_email: str,
    identity_app: FastAPI,
) -> None:
    await sign_up(identity, unique_email)
    old = await emailed_token(smtp, unique_email)
    await expire_link(identity_settings.database_url, old)
    page = await client.get(f"/verification?token={old}", follow_redirects=True)
    assert "Ce lien de validation a expiré" in page.text
    assert 'action="/confirmation-du-compte/renvoyer"' in page.text

    await allow_next_email_now(identity_app, unique_email)
    data = {"csrf_token": await csrf(client, "/verification/resultat"), "email": unique_email}
    sent = await client.post("/confirmation-du-compte/renvoyer", data=data)
    assert sent.headers["location"] == "/confirmation-du-compte"
    new = await emailed_token(smtp, unique_email, count=2)
    result = await client.get(f"/verification?token={new}", follow_redirects=True)
    assert "Votre adresse e-mail a bien été validée" in result.text


async def test_resend_uses_the_pending_email(
    client: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    unique_email: str,
    identity_app: FastAPI,
) -> None:
    await signup(client, unique_email, PASSWORD, PASSWORD)
    first = await emailed_token(smtp, unique_email)
    await allow_next_email_now(identity_app, unique_email)
    token = await csrf(client, "/confirmation-du-compte")
    response = await client.post("/confirmation-du-compte/renvoyer", data={"csrf_token": token})
    assert response.status_code == 303
    assert await emailed_token(smtp, unique_email, count=2) != first
    page = (await client.get("/confirmation-du-compte")).text
    assert "les instructions viennent de lui être envoyées de nouveau" in page
