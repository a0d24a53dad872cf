"""PARAMÈTRES → "Mes véhicules": list, add (2 at most), "Éditer", "Supprimer", errors in FR/EN."""

import re

import httpx

from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.web.subscriptions_support import (
    VEHICLE,
    Catalog,
    add_vehicle,
    make_catalog,
    make_operator,
    operator_token,
    request_subscription,
    text_of,
)
from tests.web.support import Account, csrf, field_error, login

VEHICLES = "/parametres/vehicules"


def vehicle_links(page: str) -> list[str]:
    return re.findall(r'class="vehicle-link" href="/parametres/vehicules/([^"]+)"', page)


async def test_settings_lead_to_my_vehicles(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    assert f'href="{VEHICLES}"' in (await client.get("/parametres")).text
    page = text_of((await client.get(VEHICLES)).text)
    assert "Mes véhicules" in page
    assert "Aucun véhicule n'est enregistré à votre dossier." in page
    assert "Ajouter un véhicule" in page and "Continuer" in page
    assert "* Vous pouvez enregistrer un maximum de 2 véhicules." in page


async def test_add_edit_delete_and_the_limit_of_two(
    client: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    base = user.id[:4].upper()
    assert (await add_vehicle(client, f"A{base}1", VEHICLES)).headers["location"] == VEHICLES
    assert (await add_vehicle(client, f"b{base}2-7", VEHICLES)).status_code == 303
    page = text_of((await client.get(VEHICLES)).text)
    assert f"A{base}1" in page and f"B{base}2" in page  # the certificate's "-7" dropped
    assert "Ajoutez un véhicule" not in page  # two: no add form
    third = await add_vehicle(client, f"C{base}3", VEHICLES)
    assert third.status_code == 409
    alert = re.search(r'class="alert alert-error" role="alert">([^<]+)<', text_of(third.text))
    assert alert and alert.group(1) == "Vous pouvez enregistrer un maximum de 2 véhicules."

    ids = vehicle_links(page)
    assert len(ids) == 2
    edit_page = text_of((await client.get(f"{VEHICLES}/{ids[0]}")).text)
    assert "Éditer" in edit_page and "Supprimer" in edit_page
    assert 'value="Civic"' in edit_page
    token = await csrf(client, VEHICLES)
    changed = await client.post(
        f"{VEHICLES}/{ids[0]}",
        data={"csrf_token": token, **VEHICLE, "color": "Rouge", "plate": f"A{base}1"},
    )
    assert changed.status_code == 303
    assert "Rouge" in text_of((await client.get(VEHICLES)).text)

    invalid = await client.post(
        f"{VEHICLES}/{ids[0]}", data={"csrf_token": token, **VEHICLE, "plate": "!!!"}
    )
    assert invalid.status_code == 422
    assert field_error(text_of(invalid.text), "plate")
    english = await client.post(
        f"{VEHICLES}/{ids[0]}?lang=en", data={"csrf_token": token, **VEHICLE, "year": "1800"}
    )
    assert english.status_code == 422
    assert field_error(text_of(english.text), "year")
    await client.get(f"{VEHICLES}?lang=fr")

    deleted = await client.post(f"{VEHICLES}/{ids[1]}/suppression", data={"csrf_token": token})
    assert deleted.status_code == 303
    page = text_of((await client.get(VEHICLES)).text)
    assert "Votre véhicule a été supprimé." in page
    assert len(vehicle_links(page)) == 1 and "Ajouter un véhicule" in page


async def test_the_only_vehicle_of_a_request_cannot_be_deleted(
    client: httpx.AsyncClient,
    user: Account,
    subs_api: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
) -> None:
    agent = await make_operator(identity, smtp, identity_settings)
    catalog: Catalog = await make_catalog(subs_api, await operator_token(identity, agent))
    await login(client, user.email)
    await request_subscription(client, catalog, f"U{user.id[:5].upper()}")
    page = (await client.get(VEHICLES)).text
    (vehicle_id,) = vehicle_links(page)
    token = await csrf(client, VEHICLES)
    refused = await client.post(f"{VEHICLES}/{vehicle_id}/suppression", data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'class="field-error" role="alert">Ce véhicule est le seul' in text_of(refused.text)
    english = await client.post(
        f"{VEHICLES}/{vehicle_id}/suppression?lang=en", data={"csrf_token": token}
    )
    assert english.status_code == 409
    assert 'class="field-error" role="alert">This vehicle is the only one' in english.text
    assert len(vehicle_links((await client.get(VEHICLES)).text)) == 1
