"""Settings: password change, data export, account deletion."""

import json

import httpx

from services.identity.config import IdentitySettings
from services.identity.security import token_digest
from tests.support.service_rows import add_active_subscription, refresh_tokens
from tests.web.support import PASSWORD, Account, api_login, csrf, field_error, login, session_of
from web.config import WebSettings

NEW_PASSWORD = "another-long-secret"


async def test_settings_page_offers_everything(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    html = (await client.get("/parametres")).text
    for text in [
        "Paramètres",
        "Mot de passe actuel",
        "Télécharger mes données",
        "Supprimer mon compte",
        'href="/informations-personnelles"',
    ]:
        assert text in html, text


async def test_wrong_current_password_shows_under_that_field(
    client: httpx.AsyncClient, identity: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    data = {
        "csrf_token": await csrf(client, "/parametres"),
        "current_password": "not-it-at-all",
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    response = await client.post("/parametres/mot-de-passe", data=data)
    assert response.status_code == 400
    assert field_error(response.text, "current_password") == "Le mot de passe actuel est incorrect."
    english = await client.post("/parametres/mot-de-passe?lang=en", data=data)
    assert field_error(english.text, "current_password") == "The current password is incorrect."
    await api_login(identity, user.email, PASSWORD)  # unchanged


async def test_password_change_keeps_this_browser_signed_in(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    user: Account,
    web_settings: WebSettings,
    identity_settings: IdentitySettings,
) -> None:
    await login(client, user.email)
    issued = len(await refresh_tokens(identity_settings.database_url, user.id))
    data = {
        "csrf_token": await csrf(client, "/parametres"),
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    response = await client.post("/parametres/mot-de-passe", data=data)
    assert response.headers["location"] == "/parametres"
    page = await client.get("/parametres")
    assert page.status_code == 200
    assert "Votre mot de passe a été modifié" in page.text
    # this browser holds the tokens identity renewed with the change: no second login
    rows = await refresh_tokens(identity_settings.database_url, user.id)
    assert len(rows) == issued + 1
    held = session_of(client, web_settings).refresh_token or ""
    assert (token_digest(held), False) in rows
    await api_login(identity, user.email, NEW_PASSWORD)


async def test_export_downloads_json(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    response = await client.get("/parametres/mes-donnees")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    assert data["profile"]["first_name"] == "Marie"


async def test_deletion_needs_the_checkbox(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    data = {"csrf_token": await csrf(client, "/parametres"), "password": PASSWORD}
    response = await client.post("/parametres/suppression", data=data)
    assert response.status_code == 422
    assert field_error(response.text, "confirm") == "Cochez la case pour confirmer la suppression."


async def test_deletion_blocked_by_active_subscription(
    client: httpx.AsyncClient, user: Account, database_urls: dict[str, str]
) -> None:
    await add_active_subscription(database_urls["subscriptions"], user.id)
    await login(client, user.email)
    data = {"csrf_token": await csrf(client, "/parametres"), "password": PASSWORD, "confirm": "yes"}
    response = await client.post("/parametres/suppression", data=data)
    assert response.status_code == 409
    assert "ne peut pas être supprimé tant qu&#39;un abonnement est actif" in response.text
    assert (await client.get("/tableau-de-bord")).status_code == 200  # still there


async def test_deletion_wrong_password_under_the_field(
    client: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    data = {
        "csrf_token": await csrf(client, "/parametres"),
        "password": "nope-nope-nope",
        "confirm": "yes",
    }
    response = await client.post("/parametres/suppression", data=data)
    assert response.status_code == 400
    assert field_error(response.text, "password") == "Le mot de passe actuel est incorrect."
    assert (await client.get("/tableau-de-bord")).status_code == 200  # still there


async def test_deletion_signs_out(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    data = {"csrf_token": await csrf(client, "/parametres"), "password": PASSWORD, "confirm": "yes"}
    response = await client.post("/parametres/suppression", data=data)
    assert response.headers["location"] == "/connexion"
    assert "Votre compte et vos données ont été supprimés." in (await client.get("/connexion")).text
    assert (await login(client, user.email)).status_code == 401  # identity no longer knows it
