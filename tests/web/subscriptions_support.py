"""Helpers of the subscription page tests: a catalog of their own at the real subscriptions app,
an operator account, and the steps of "Créer un nouvel abonnement" driven through the pages."""

import asyncio
import html as html_lib
import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.support.service_rows import set_role
from tests.web.support import Account, api_login, bearer, csrf, open_account, sample_profile


def today() -> date:
    return datetime.now(ZoneInfo("America/Montreal")).date()


def text_of(page: str) -> str:
    """A page's markup with entities decoded (`&#39;` → `'`), for plain-text assertions."""
    return html_lib.unescape(page)


@dataclass(frozen=True)
class Catalog:
    """A site of this test's own, with one category, a DAS offering and a PAD offering."""

    site_id: int
    category_id: int
    das_id: int
    pad_id: int
    plate_site_id: int
    plate_category_id: int
    plate_offering_id: int


async def make_operator(
    identity: httpx.AsyncClient, smtp: SmtpServer, identity_settings: IdentitySettings
) -> Account:
    """Another verified account with a profile, made an operator."""
    account = await open_account(identity, smtp, profile=sample_profile())
    await set_role(identity_settings.database_url, account.email, "operator")
    return account


async def operator_token(identity: httpx.AsyncClient, operator: Account) -> str:
    return str((await api_login(identity, operator.email))["access_token"])


def _new_id() -> int:
    return random.randint(100_000, 999_999)


async def _post(api: httpx.AsyncClient, token: str, path: str, body: dict[str, object]) -> int:
    response = await api.post(path, json=body, headers=bearer(token))
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


async def make_catalog(api: httpx.AsyncClient, token: str) -> Catalog:
    """Sites, categories and offerings created through the operators' catalog API."""
    site_id, plate_site_id = _new_id(), _new_id()
    await _post(
        api,
        token,
        "/v1/operator/sites",
        {
            "id": site_id,
            "establishment": "CISSS de l'Outaouais",
            "name": f"Hôpital de Hull {site_id}",
            "address": "116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC",
            "access_type": "card",
        },
    )
    await _post(
        api,
        token,
        "/v1/operator/sites",
        {
            "id": plate_site_id,
            "establishment": "CIUSSS de l'Estrie",
            "name": f"Hôtel-Dieu {plate_site_id}",
            "address": "580 rue Bowen Sud, J1G 2E8, Sherbrooke, QC",
            "access_type": "plate",
        },
    )
    category_id = await _post(
        api,
        token,
        "/v1/operator/categories",
        {"site_id": site_id, "name_fr": "Employé du CISSSO", "name_en": "CISSSO employee"},
    )
    plate_category_id = await _post(
        api,
        token,
        "/v1/operator/categories",
        {"site_id": plate_site_id, "name_fr": "Résident", "name_en": "Resident"},
    )
    offering = {
        "site_id": site_id,
        "category_id": category_id,
        "description_fr": "Abonnement mensuel en tout temps",
        "description_en": "Monthly subscription, any time",
        "monthly_price_cents": 6500,
        "notice_days": 30,
        "capacity": 10,
        "visibility": "public",
    }
    das_id, pad_id, plate_offering_id = _new_id(), _new_id(), _new_id()
    await _post(
        api,
        token,
        "/v1/operator/offerings",
        offering
        | {
            "id": das_id,
            "code": "1461",
            "name": "Hôpital de Hull - Employé CISSSO",
            "billing_mode": "payroll",
        },
    )
    await _post(
        api,
        token,
        "/v1/operator/offerings",
        offering
        | {
            "id": pad_id,
            "code": "1462",
            "name": "Hôpital de Hull - Soirs et fins de semaine",
            "billing_mode": "pad",
            "monthly_price_cents": 4200,
        },
    )
    await _post(
        api,
        token,
        "/v1/operator/offerings",
        offering
        | {
            "id": plate_offering_id,
            "site_id": plate_site_id,
            "category_id": plate_category_id,
            "code": "5432",
            "name": "Permis multisites - Résident",
            "billing_mode": "payroll",
        },
    )
    return Catalog(
        site_id, category_id, das_id, pad_id, plate_site_id, plate_category_id, plate_offering_id
    )


VEHICLE = {"year": "2021", "make": "Honda", "model": "Civic", "color": "Bleu"}


async def choose_offering(
    client: httpx.AsyncClient,
    site_id: int,
    category_id: int,
    offering_id: int,
    start: date | None = None,
) -> httpx.Response:
    """Step 1, "Sélectionner cet abonnement", with both consents."""
    page = f"/ajouter-un-abonnement?site_id={site_id}&category_id={category_id}"
    data = {
        "csrf_token": await csrf(client, page),
        "site_id": str(site_id),
        "category_id": str(category_id),
        "offering_id": str(offering_id),
        "start_date": (start or today()).isoformat(),
        "accept_terms": "yes",
        "understand_approval": "yes",
    }
    return await client.post("/ajouter-un-abonnement", data=data)


async def add_vehicle(
    client: httpx.AsyncClient, plate: str, path: str = "/ajouter-un-abonnement/vehicules/ajout"
) -> httpx.Response:
    """ "Enregistrer mon véhicule" (or "Continuer" on Mes véhicules)."""
    token = await csrf(client, "/parametres/vehicules")
    return await client.post(path, data={"csrf_token": token, **VEHICLE, "plate": plate})


def vehicle_ids(page: str) -> list[str]:
    """The vehicle checkboxes of a page."""
    return re.findall(r'name="vehicle_ids" type="checkbox" value="([^"]+)"', page)


async def reach_summary(
    client: httpx.AsyncClient,
    catalog: Catalog,
    plate: str,
    offering_id: int | None = None,
    start: date | None = None,
) -> str:
    """Steps 1 to 3 through the pages, up to « Récapitulatif »; the CSRF token used."""
    chosen = await choose_offering(
        client, catalog.site_id, catalog.category_id, offering_id or catalog.das_id, start
    )
    assert chosen.status_code == 303, chosen.text
    added = await add_vehicle(client, plate)
    assert added.status_code == 303, added.text
    page = (await client.get("/ajouter-un-abonnement/vehicules")).text
    token = await csrf(client, "/ajouter-un-abonnement/vehicules")
    picked = await client.post(
        "/ajouter-un-abonnement/vehicules",
        data={"csrf_token": token, "vehicle_ids": vehicle_ids(page)[:1]},
    )
    assert picked.status_code == 303, picked.text
    informed = await client.post(
        "/ajouter-un-abonnement/informations",
        data={"csrf_token": token, "employee_number": "E-20431"},
    )
    assert informed.status_code == 303, informed.text
    return token


async def request_subscription(
    client: httpx.AsyncClient, catalog: Catalog, plate: str, offering_id: int | None = None
) -> str:
    """Steps 1 to 4 through the pages; the new subscription's id."""
    token = await reach_summary(client, catalog, plate, offering_id)
    sent = await client.post("/ajouter-un-abonnement/recapitulatif", data={"csrf_token": token})
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location.startswith("/mon-abonnement/")
    return location.rsplit("/", 1)[1]


async def wait_for_page(
    client: httpx.AsyncClient, path: str, text: str, seconds: float = 30.0
) -> str:
    """The page once it shows `text` (the workflow writes back asynchronously)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        page = text_of((await client.get(path)).text)
        if text in page:
            return page
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{path} never showed {text!r}:\n{page[-3000:]}")
        await asyncio.sleep(0.3)


def in_days(days: int) -> date:
    return today() + timedelta(days=days)


def current_step(page: str) -> tuple[int, str, int]:
    """The stepper's current step: its number, its label and how many steps it shows."""
    match = re.search(
        r'aria-current="step">\s*<span class="steps-number">(\d)</span> '
        r'<span class="steps-label">([^<]+)<',
        page,
    )
    assert match, "the page shows no current step"
    return int(match.group(1)), match.group(2), page.count('class="steps-number"')
