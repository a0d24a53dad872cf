""" "Créer un nouvel abonnement" 1-4 and 6, the operator's approval in the console, the contract
email with its PDF in the mail catcher, "Actif", then "Annulation d'un abonnement" at a date:
in Chromium, on the real stack (every component a real process, the catalog's seed loaded)."""

import asyncio
import re
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import shot
from tests.e2e.stack import Stack

PASSWORD = "une phrase de passe solide"
SITE = "1534"  # CISSS Outaouais (seed)
CATEGORY = "101"  # Employé du CISSSO
OFFERING = "1461 - Hôpital de Hull - Employé CISSSO (#7117)"  # DAS


def run_module(stack: Stack, *args: str, extra_env: dict[str, str] | None = None) -> str:
    """`python -m ...` with the stack's environment (what `make run` does for a newcomer)."""
    done = subprocess.run(
        [sys.executable, "-m", *args],
        env=stack.env() | (extra_env or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def seeded(stack: Stack) -> Stack:
    """The stack with the subscriptions catalog's seed (`python -m services.subscriptions.seed`)."""
    run_module(stack, "services.subscriptions.seed")
    return stack


async def mail_search(
    stack: Stack, query: str, count: int = 1, attachments: bool = False
) -> list[dict[str, Any]]:
    """The mail catcher's messages matching `query` (with attachments only, if asked), once at
    least `count` arrived."""
    async with httpx.AsyncClient(base_url=stack.url("mail")) as mail:
        for _ in range(300):
            found = (await mail.get("/api/v1/search", params={"query": query})).json()
            messages = [m for m in found["messages"] if m["Attachments"] or not attachments]
            if len(messages) >= count:
                return messages
            await asyncio.sleep(0.2)
    raise AssertionError(f"no email for {query!r}")


async def open_account(stack: Stack, email: str) -> None:
    """Sign-up, verification and profile through identity's API (the account pages have their
    own browser test)."""
    async with httpx.AsyncClient(base_url=stack.url("identity")) as identity:
        body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
        assert (await identity.post("/v1/accounts", json=body)).status_code == 202
        (message,) = await mail_search(stack, f"to:{email}")
        async with httpx.AsyncClient(base_url=stack.url("mail")) as mail:
            text = (await mail.get(f"/api/v1/message/{message['ID']}")).json()["Text"]
        token = re.search(r"token=([\w-]+)", text).group(1)  # type: ignore[union-attr]
        verified = await identity.post("/v1/accounts/verification", json={"token": token})
        assert verified.status_code == 200, verified.text
        tokens = (
            await identity.post("/v1/sessions", json={"email": email, "password": PASSWORD})
        ).json()
        profile = {
            "gender": "female",
            "first_name": "Léa",
            "last_name": "Tremblay",
            "address_line1": "116 boul. Lionel-Émond",
            "city": "Gatineau",
            "province": "QC",
            "postal_code": "J8Y 1W7",
            "mobile_phone": "819 555-0142",
            "language": "fr",
        }
        saved = await identity.put(
            "/v1/me/profile",
            json=profile,
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert saved.status_code == 200, saved.text


async def log_in(page: Page, stack: Stack, email: str) -> None:
    await page.goto(f"{stack.url('web')}/connexion")
    await page.get_by_label("Adresse courriel").fill(email)
    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_text("AJOUTER UN ABONNEMENT")).to_be_visible()


def pdf_attachment_ok(pdf: bytes, number: str) -> bool:
    return pdf.startswith(b"%PDF") and number.encode() in pdf


async def test_subscribe_approve_receive_the_contract_then_cancel_at_a_date(
    seeded: Stack, page: Page, browser: Browser
) -> None:
    stack = seeded
    web = stack.url("web")
    email = f"lea-{uuid.uuid4().hex[:8]}@example.org"
    plate = f"E2E{uuid.uuid4().hex[:3].upper()}"
    await open_account(stack, email)
    await log_in(page, stack, email)

    # Step 1: site, category, offering, start date, consents
    await page.get_by_role("link", name="AJOUTER UN ABONNEMENT").click()
    # The script that submits the form on a change must have run first (its "load" event).
    await page.wait_for_url("**/ajouter-un-abonnement")
    await page.get_by_label("1. Sélectionnez un stationnement ou une organisation").select_option(
        SITE
    )
    category = page.get_by_label("2. Sélectionnez votre catégorie d'utilisateur")
    await expect(category).to_be_visible()  # the form submitted itself (a little JavaScript)
    await category.select_option(CATEGORY)
    offering = page.get_by_label(OFFERING)
    await expect(offering).to_be_visible()
    await offering.check()
    await expect(page.get_by_text("DAS (Déduction à la source)").first).to_be_visible()
    today = datetime.now(ZoneInfo("America/Montreal")).date()
    await page.get_by_label("Je souhaite m'abonner à partir du").fill(today.isoformat())
    await page.get_by_label("J'accepte les conditions d'abonnement").check()
    await page.get_by_role("button", name="Sélectionner cet abonnement").click()
    await expect(page.get_by_text("Cochez cette case pour continuer.")).to_be_visible()
    await page.screenshot(path=shot("10-abonnement-etape-1-erreur"), full_page=True)
    await page.get_by_label(OFFERING).check()
    await page.get_by_label("J'accepte les conditions d'abonnement").check()
    await page.get_by_label(
        "Je comprends que l'accès au stationnement nécessite l'approbation de la SPAQ."
    ).check()
    await page.screenshot(path=shot("11-abonnement-etape-1"), full_page=True)
    await page.get_by_role("button", name="Sélectionner cet abonnement").click()

    # Step 2: a vehicle
    await page.get_by_text("Ajouter un véhicule").click()
    await expect(page.get_by_text("Ajoutez un véhicule")).to_be_visible()
    await page.get_by_label("Année").fill("2021")
    await page.get_by_label("Marque").fill("Toyota")
    await page.get_by_label("Modèle").fill("Corolla")
    await page.get_by_label("Couleur").fill("Gris")
    await page.get_by_label("Numéro d'immatriculation").fill(f"{plate.lower()}-4")
    await page.get_by_text("Besoin d'aide ?").click()
    await expect(page.get_by_text("n'inscrivez pas le tiret et le dernier chiffre")).to_be_visible()
    await page.screenshot(path=shot("12-abonnement-vehicule"), full_page=True)
    await page.get_by_role("button", name="Enregistrer mon véhicule").click()
    await expect(page.get_by_label(re.compile(plate))).to_be_checked()
    await page.get_by_role("button", name="Continuer à l'étape suivante").click()

    # Step 3: information
    await expect(
        page.get_by_text("Complétez les informations nécessaires à l'abonnement")
    ).to_be_visible()
    await expect(page.get_by_label("Prénom")).to_have_value("Léa")
    await page.get_by_label(re.compile("Numéro d'employé")).fill("E-7731")
    await page.screenshot(path=shot("13-abonnement-informations"), full_page=True)
    await page.get_by_role("button", name="Mettre à jour").click()

    # Step 4: summary, then the request
    await expect(
        page.get_by_role("heading", name="Récapitulatif de votre abonnement")
    ).to_be_visible()
    await expect(page.get_by_text("65,00 $").first).to_be_visible()
    await expect(page.get_by_text("Indéterminée")).to_be_visible()
    await expect(page.get_by_role("cell", name=plate)).to_be_visible()
    await page.screenshot(path=shot("14-abonnement-recapitulatif"), full_page=True)
    await page.get_by_role("button", name="Transmettre ma demande").click()

    # Step 6: pending
    await expect(
        page.get_by_text("Votre abonnement est présentement en attente d'approbation.")
    ).to_be_visible()
    await expect(page.get_by_text("En attente d'approbation", exact=True)).to_be_visible()
    await expect(page.get_by_text("Jour de l'approbation").first).to_be_visible()
    number = (await page.locator("dt:has-text('Numéro de contrat') + dd").inner_text()).strip()
    assert re.fullmatch(r"\d{8}", number), number
    await page.screenshot(path=shot("15-abonnement-en-attente"), full_page=True)
    await mail_search(stack, f"to:{email}", count=2)  # the request's acknowledgement

    # The operator approves in the console
    agent = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        stack,
        "services.identity.cli",
        "create-operator",
        agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
    console = await context.new_page()
    try:
        await log_in(console, stack, agent)
        await console.get_by_role("link", name="Console opérateur").click()
        await expect(
            console.get_by_role("heading", name=re.compile("Demandes en attente"))
        ).to_be_visible()
        await console.get_by_role("link", name=number).click()
        await expect(console.get_by_text(email)).to_be_visible()
        await expect(console.get_by_text("E-7731")).to_be_visible()
        workflow_link = console.get_by_role("link", name=re.compile("Temporal"))
        assert (await workflow_link.get_attribute("href") or "").endswith(
            "/workflows/subscription-" + page.url.rsplit("/", 1)[1]
        )
        await console.screenshot(path=shot("16-console-demande"), full_page=True)
        await console.get_by_role("button", name="Approuver").click()
        await expect(console.get_by_text("La demande a été approuvée.")).to_be_visible()
        # Right after the click the contract and the first charge are still being prepared.
        preparing = "Actif — contrat et premier paiement en préparation"
        await expect(console.get_by_text(preparing, exact=True)).to_be_visible()
    finally:
        await context.close()

    # The contract by email, its PDF attached
    approved = await mail_search(stack, f"to:{email}", attachments=True)
    async with httpx.AsyncClient(base_url=stack.url("mail")) as mail:
        message = (await mail.get(f"/api/v1/message/{approved[0]['ID']}")).json()
        (attachment,) = [a for a in message["Attachments"] if "pdf" in a["ContentType"]]
        part = await mail.get(f"/api/v1/message/{approved[0]['ID']}/part/{attachment['PartID']}")
    assert pdf_attachment_ok(part.content, number), part.content[:200]

    # "Actif", the contract on the portal
    await page.reload()
    await expect(page.get_by_text("Actif", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="Télécharger mon contrat")).to_be_visible()
    await page.screenshot(path=shot("17-abonnement-actif"), full_page=True)

    # "Annulation d'un abonnement" at a date: the notice clause sets the effective date
    await page.get_by_role("link", name="MON ABONNEMENT").click()
    await page.get_by_role("link", name="Transmettre une demande d'annulation").click()
    await expect(page.get_by_text("Choisissez le service à annuler")).to_be_visible()
    await page.get_by_label(
        re.compile(r"1461 - Hôpital de Hull - Employé CISSSO \(fin de l'abonnement: Indéterminé\)")
    ).check()
    wanted = today + timedelta(days=45)
    await page.get_by_label("Date d'annulation souhaitée").fill(wanted.isoformat())
    await page.get_by_role("button", name="Envoyer la demande d'annulation").click()
    await expect(page.get_by_text(re.compile("Votre abonnement prendra fin le"))).to_be_visible()
    await page.screenshot(path=shot("18-annulation-apercu"), full_page=True)
    await page.get_by_role("button", name="Confirmer la demande d'annulation").click()
    await expect(page.get_by_text("Votre demande d'annulation a été enregistrée.")).to_be_visible()
    await expect(page.get_by_role("button", name="Retirer ma demande d'annulation")).to_be_visible()
    await page.screenshot(path=shot("19-annulation-enregistree"), full_page=True)

    # Mes véhicules: the only vehicle of the active subscription cannot be deleted
    await page.get_by_role("link", name="PARAMÈTRES").click()
    await page.get_by_role("link", name="Mes véhicules").click()
    await page.get_by_role("button", name="Supprimer").click()
    await expect(page.get_by_text(re.compile("Ce véhicule est le seul"))).to_be_visible()
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{web}/mon-abonnement")
    await page.screenshot(path=shot("20-mon-abonnement-mobile"), full_page=True)
