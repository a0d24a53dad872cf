"""Whole journeys through the pages only: signup to dashboard, then settings to deletion.

Every step goes through the web app's forms and the emails identity's worker sends.
"""

import json
from urllib.parse import urlparse

import httpx
import pytest

from tests.support.mail import SmtpServer
from tests.web.support import csrf, emailed_link, emailed_token, field_error, login

pytestmark = pytest.mark.usefixtures("worker")

PASSWORD = "une phrase de passe solide"
NEW_PASSWORD = "une autre phrase bien longue"
PROFILE_FORM = {
    "gender": "female",
    "first_name": "Léa",
    "last_name": "Tremblay",
    "address_line1": "116 boul. Lionel-Émond",
    "apartment": "4",
    "city": "Gatineau",
    "province": "QC",
    "postal_code": "j8y1z7",
    "language": "fr",
}


async def sign_up_through_the_page(client: httpx.AsyncClient, email: str) -> httpx.Response:
    token = await csrf(client, "/creer-un-compte")
    data = {
        "csrf_token": token,
        "email": email,
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
    }
    return await client.post("/creer-un-compte", data=data)


async def test_signup_email_link_login_profile_and_dashboard(
    client: httpx.AsyncClient, smtp: SmtpServer, unique_email: str
) -> None:
    response = await sign_up_through_the_page(client, unique_email)
    assert response.headers["location"] == "/confirmation-du-compte"
    assert unique_email in (await client.get("/confirmation-du-compte")).text

    link = await emailed_link(smtp, unique_email)
    assert urlparse(link).path == "/verification"
    result = await client.get(f"/verification?{urlparse(link).query}", follow_redirects=True)
    assert "Votre adresse e-mail a bien été validée" in result.text
    again = await client.get(f"/verification?{urlparse(link).query}", follow_redirects=True)
    assert "Votre adresse e-mail a bien été validée" not in again.text

    response = await login(client, unique_email, PASSWORD)
    assert response.headers["location"] == "/informations-personnelles"

    token = await csrf(client, "/informations-personnelles")
    refused = await client.post(
        "/informations-personnelles", data={"csrf_token": token, **PROFILE_FORM}
    )
    assert refused.status_code == 422
    assert "Champ requis" in (field_error(refused.text, "mobile_phone") or "")

    form = {"csrf_token": token, **PROFILE_FORM, "mobile_phone": "819 555-0142"}
    saved = await client.post("/informations-personnelles", data=form)
    assert saved.headers["location"] == "/tableau-de-bord"
    dashboard = (await client.get("/tableau-de-bord")).text
    assert "Vos informations personnelles ont été mises à jour." in dashboard
    assert "Léa" in dashboard
    stored = (await client.get("/informations-personnelles")).text
    assert 'value="J8Y 1Z7"' in stored and 'value="819 555-0142"' in stored


async def test_settings_password_export_logout_and_deletion(
    client: httpx.AsyncClient, smtp: SmtpServer, unique_email: str
) -> None:
    await sign_up_through_the_page(client, unique_email)
    await client.get(f"/verification?token={await emailed_token(smtp, unique_email)}")
    assert (await login(client, unique_email, PASSWORD)).status_code == 303

    token = await csrf(client, "/parametres")
    wrong = {
        "csrf_token": token,
        "current_password": "pas le bon mot de passe",
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    refused = await client.post("/parametres/mot-de-passe", data=wrong)
    assert field_error(refused.text, "current_password")

    changed = await client.post(
        "/parametres/mot-de-passe", data={**wrong, "current_password": PASSWORD}
    )
    assert changed.headers["location"] == "/parametres"
    page = await client.get("/parametres")
    assert page.status_code == 200 and "Votre mot de passe a été modifié" in page.text

    export = await client.get("/parametres/mes-donnees")
    assert export.status_code == 200
    assert unique_email in json.dumps(export.json())

    token = await csrf(client, "/parametres")
    await client.post("/deconnexion", data={"csrf_token": token})
    assert (await client.get("/tableau-de-bord")).status_code == 303
    assert (await login(client, unique_email, NEW_PASSWORD)).status_code == 303

    token = await csrf(client, "/parametres")
    data = {"csrf_token": token, "password": NEW_PASSWORD, "confirm": "yes"}
    deleted = await client.post("/parametres/suppression", data=data)
    assert deleted.headers["location"] == "/connexion"
    assert (await login(client, unique_email, NEW_PASSWORD)).status_code == 401
