"""« Véhicule temporaire » in Chromium on the real stack: a temporary vehicle accepted by the
plate check only during its days.

The subscription is requested and approved through the APIs (the request journey has its own
browser test); then, in the browser, the subscriber adds a rental for days starting tomorrow
(the plate check refuses it today), removes it, adds it for today (accepted, until the day after
its last), the operator sees it with its days in the console, and the subscriber removes it in
English (refused again). Its end by the timer, past its last day, cannot be waited for on a real
clock: tests/workflows/test_temporary_vehicle_workflow.py shows it on the time-skipping server,
and tests/subscriptions/test_temporary_vehicles.py the plate check after the days are over.
"""

import asyncio
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, Page, expect

from servicekit.settings import PlatformSettings
from tests.e2e.conftest import shot
from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import PASSWORD, log_in, open_account, run_module, seeded

__all__ = ["seeded"]  # the fixture, shared with the subscription journey
PLATE_SITE = 1535  # CISSS Outaouais - Hôpital de Gatineau: licence-plate recognition (seed)
GATINEAU_DAS = 7201


async def bearer(stack: Stack, email: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=stack.url("identity")) as identity:
        session = await identity.post("/v1/sessions", json={"email": email, "password": PASSWORD})
        assert session.status_code == 200, session.text
        return {"Authorization": f"Bearer {session.json()['access_token']}"}


async def active_subscription(stack: Stack, email: str, today: date) -> str:
    """A DAS subscription at the licence-plate site, requested and approved through the APIs."""
    user = await bearer(stack, email)
    agent = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        stack, "services.identity.cli", "create-operator", agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )  # fmt: skip
    operator = await bearer(stack, agent)
    async with httpx.AsyncClient(base_url=stack.url("subscriptions")) as subs:
        vehicle = {"year": 2020, "make": "Honda", "model": "Civic", "color": "Bleu"}
        plate = f"H{uuid.uuid4().hex[:5].upper()}"
        added = await subs.post("/v1/vehicles", headers=user, json=vehicle | {"plate": plate})
        assert added.status_code == 201, added.text
        request = {
            "offering_id": GATINEAU_DAS,
            "requested_start": today.isoformat(),
            "accept_terms": True,
            "understand_approval": True,
            "vehicle_ids": [added.json()["id"]],
            "employee_number": "E-5120",
        }
        created = await subs.post("/v1/subscriptions", headers=user, json=request)
        assert created.status_code == 201, created.text
        subscription_id: str = created.json()["id"]
        path = f"/v1/operator/subscriptions/{subscription_id}/decision"
        approved = await subs.post(path, headers=operator, json={"decision": "approve"})
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "active"
    return subscription_id


async def plate_check(stack: Stack, plate: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=stack.url("subscriptions")) as subs:
        answer = await subs.get(
            "/v1/plate-check",
            params={"site_id": PLATE_SITE, "plate": plate},
            headers={"X-Service-Token": PlatformSettings().service_token},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def fill_temporary(page: Page, plate: str, first: date, last: date) -> None:
    await page.get_by_label("Année").fill("2024")
    await page.get_by_label("Marque").fill("Kia")
    await page.get_by_label("Modèle").fill("Rio")
    await page.get_by_label("Couleur").fill("Blanc")
    await page.get_by_label("Numéro d'immatriculation").fill(plate)
    await page.get_by_label("Premier jour").fill(first.isoformat())
    await page.get_by_label("Dernier jour").fill(last.isoformat())
    await page.get_by_role("button", name="Ajouter", exact=True).click()


async def test_a_temporary_vehicle_accepted_by_the_plate_check_only_during_its_days(
    seeded: Stack, page: Page, browser: Browser
) -> None:
    stack, web = seeded, seeded.url("web")
    email = f"loc-{uuid.uuid4().hex[:8]}@example.org"
    plate = f"L{uuid.uuid4().hex[:5].upper()}"
    today = datetime.now(ZoneInfo("America/Montreal")).date()
    await open_account(stack, email)
    subscription_id = await active_subscription(stack, email, today)
    await log_in(page, stack, email)

    # 15 days are refused, the field named in French
    await page.goto(f"{web}/mon-abonnement/{subscription_id}")
    await page.get_by_role("link", name="Ajouter un véhicule temporaire").click()
    await fill_temporary(page, plate, today, today + timedelta(days=14))
    error = page.locator("#f-end_date-error")
    await expect(error).to_have_text(re.compile("^Date de fin : .*14 jours au plus"))
    await page.screenshot(path=shot("40-vehicule-temporaire-erreur"), full_page=True)

    # From tomorrow: refused today (before its days)
    await fill_temporary(page, plate, today + timedelta(days=1), today + timedelta(days=3))
    await expect(page.get_by_text("Votre véhicule temporaire a été ajouté.")).to_be_visible()
    row = page.locator(f"tr[data-plate='{plate}']")
    await expect(row).to_contain_text("En vigueur")
    await expect(row).to_contain_text(re.compile(r"Du \d+ \S+ \d{4} au \d+ \S+ \d{4}"))
    assert (await plate_check(stack, plate))["authorized"] is False
    await row.get_by_role("button", name="Retirer").click()
    await expect(page.get_by_text("Votre véhicule temporaire a été retiré.")).to_be_visible()
    await expect(row).to_contain_text("Retiré")

    # From today: accepted (during its days), until the day after its last
    await page.get_by_role("link", name="Ajouter un véhicule temporaire").click()
    await fill_temporary(page, plate, today, today + timedelta(days=1))
    await expect(page.get_by_text("Votre véhicule temporaire a été ajouté.")).to_be_visible()
    answer = await plate_check(stack, plate)
    assert answer["authorized"] is True
    assert answer["subscription_end"] == (today + timedelta(days=2)).isoformat()
    await page.screenshot(path=shot("41-vehicule-temporaire-actif"), full_page=True)

    # The operator sees it, with its days
    agent = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        stack, "services.identity.cli", "create-operator", agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )  # fmt: skip
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
    console = await context.new_page()
    try:
        await log_in(console, stack, agent)
        await console.goto(f"{web}/console-operateur/demandes/{subscription_id}")
        heading = console.get_by_role("heading", name="Véhicule temporaire")
        current = console.locator("section", has=heading).locator("tr", has_text="En vigueur")
        await expect(current).to_contain_text(plate)
        await expect(current).to_contain_text(re.compile(r"Du \d+ \S+ \d{4} au"))
        await console.screenshot(path=shot("42-console-vehicule-temporaire"), full_page=True)
    finally:
        await context.close()

    # « Mes véhicules » lists it apart from the two
    await page.goto(f"{web}/parametres/vehicules")
    await expect(page.get_by_role("heading", name="Véhicule temporaire")).to_be_visible()
    await expect(page.locator(f"tr[data-plate='{plate}']")).to_contain_text("En vigueur")

    # In English, removed early: refused again
    await page.goto(f"{web}/mon-abonnement/{subscription_id}?lang=en")
    await expect(page.get_by_role("heading", name="Temporary vehicle")).to_be_visible()
    current = page.locator(f"tr[data-plate='{plate}']", has_text="Current")
    await expect(current).to_contain_text(re.compile(r"From \w+ \d+, \d{4} to"))
    await current.get_by_role("button", name="Remove").click()
    await expect(page.get_by_text("Your temporary vehicle has been removed.")).to_be_visible()
    for _ in range(50):  # the index forgets it once the removal commits
        if (await plate_check(stack, plate))["authorized"] is False:
            break
        await asyncio.sleep(0.1)
    assert (await plate_check(stack, plate))["authorized"] is False
