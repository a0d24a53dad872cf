"""The browser journey through nginx, over two replicas of every component: sign up, verify from
the email the catcher received, subscribe, an operator approves in the console, the contract
arrives by email; then nginx's log shows both replicas of each part answered."""

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import shot
from tests.e2e.test_subscription_journey import OFFERING, pdf_attachment_ok
from tests.support.load import PASSWORD, mail_to
from tests.support.topology import SERVICES, Topology
from tests.topology.test_sessions_and_plates import create_operator_email

SITE, CATEGORY = "1534", "101"  # CISSS Outaouais, Employé du CISSSO (seed)


async def sign_up_and_verify(page: Page, topology: Topology, email: str) -> None:
    await page.goto(topology.url("web"))
    await page.get_by_role("link", name="Créer un compte").click()
    await page.get_by_label("Adresse courriel").fill(email)
    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_text("Confirmation du compte")).to_be_visible()
    (message,) = await mail_to(topology, email)
    async with httpx.AsyncClient(base_url=topology.url("mail")) as mail:
        text = (await mail.get(f"/api/v1/message/{message['ID']}")).json()["Text"]
    link = re.search(r"https?://\S+token=[\w-]+", text).group(0)  # type: ignore[union-attr]
    assert link.startswith(topology.url("web"))  # the public origin: nginx
    await page.goto(link)
    await expect(page.get_by_text("Votre adresse e-mail a bien été validée")).to_be_visible()


async def log_in_with_profile(page: Page, topology: Topology, email: str) -> None:
    await page.goto(f"{topology.url('web')}/connexion")
    await page.get_by_label("Adresse courriel").fill(email)
    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_role("heading", name="Informations personnelles")).to_be_visible()
    await page.get_by_label("Genre").select_option("female")
    await page.get_by_label("Prénom").fill("Léa")
    await page.get_by_label("Nom", exact=True).fill("Tremblay")
    await page.get_by_label("Adresse ligne 1").fill("116 boul. Lionel-Émond")
    await page.get_by_label("Ville").fill("Gatineau")
    await page.get_by_label("Province").select_option("QC")
    await page.get_by_label("Code postal").fill("J8Y1Z7")
    await page.get_by_label("Téléphone mobile").fill("819 555-0142")
    await page.get_by_role("button", name="Mettre à jour").click()
    await expect(page.get_by_text("AJOUTER UN ABONNEMENT")).to_be_visible()


async def subscribe(page: Page, plate: str) -> str:
    """Steps 1 to 4, then the request; its contract number."""
    await page.get_by_role("link", name="AJOUTER UN ABONNEMENT").click()
    await page.get_by_label("1. Sélectionnez un stationnement ou une organisation").select_option(
        SITE
    )
    category = page.get_by_label("2. Sélectionnez votre catégorie d'utilisateur")
    await expect(category).to_be_visible()
    await category.select_option(CATEGORY)
    await page.get_by_label(OFFERING).check()
    today = datetime.now(ZoneInfo("America/Montreal")).date()
    await page.get_by_label("Je souhaite m'abonner à partir du").fill(today.isoformat())
    await page.get_by_label("J'accepte les conditions d'abonnement").check()
    await page.get_by_label(
        "Je comprends que l'accès au stationnement nécessite l'approbation de la SPAQ."
    ).check()
    await page.get_by_role("button", name="Sélectionner cet abonnement").click()
    await page.get_by_text("Ajouter un véhicule").click()
    await page.get_by_label("Année").fill("2021")
    await page.get_by_label("Marque").fill("Toyota")
    await page.get_by_label("Modèle").fill("Corolla")
    await page.get_by_label("Couleur").fill("Gris")
    await page.get_by_label("Numéro d'immatriculation").fill(plate)
    await page.get_by_role("button", name="Enregistrer mon véhicule").click()
    await expect(page.get_by_label(re.compile(plate))).to_be_checked()
    await page.get_by_role("button", name="Continuer à l'étape suivante").click()
    await page.get_by_label(re.compile("Numéro d'employé")).fill("E-7731")
    await page.get_by_role("button", name="Mettre à jour").click()
    await page.get_by_role("button", name="Transmettre ma demande").click()
    await expect(
        page.get_by_text("Votre abonnement est présentement en attente d'approbation.")
    ).to_be_visible()
    return (await page.locator("dt:has-text('Numéro de contrat') + dd").inner_text()).strip()


async def approve_in_console(browser: Browser, topology: Topology, number: str) -> None:
    agent = await create_operator_email(topology)
    context = await browser.new_context(locale="fr-CA")
    console = await context.new_page()
    try:
        await console.goto(f"{topology.url('web')}/connexion")
        await console.get_by_label("Adresse courriel").fill(agent)
        await console.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
        await console.get_by_role("button", name="Continuer").click()
        await expect(
            console.get_by_role("heading", name=re.compile("Demandes en attente"))
        ).to_be_visible()
        await console.get_by_role("link", name=number).click()
        await console.get_by_role("button", name="Approuver").click()
        await expect(console.get_by_text("La demande a été approuvée.")).to_be_visible()
    finally:
        await context.close()


async def test_the_journey_through_nginx_reaches_both_replicas_of_every_part(
    topology: Topology, page: Page, browser: Browser
) -> None:
    assert topology.gateway is not None
    logged_before = len(topology.gateway.entries())
    email = f"lea-{uuid.uuid4().hex[:8]}@example.org"
    plate = f"TOP{uuid.uuid4().hex[:3].upper()}"

    await sign_up_and_verify(page, topology, email)
    await log_in_with_profile(page, topology, email)
    number = await subscribe(page, plate)
    assert re.fullmatch(r"\d{8}", number), number
    await approve_in_console(browser, topology, number)

    (contract,) = [m for m in await mail_to(topology, email, count=3) if m["Attachments"]]
    async with httpx.AsyncClient(base_url=topology.url("mail")) as mail:
        message = (await mail.get(f"/api/v1/message/{contract['ID']}")).json()
        (pdf,) = [a for a in message["Attachments"] if "pdf" in a["ContentType"]]
        part = await mail.get(f"/api/v1/message/{contract['ID']}/part/{pdf['PartID']}")
    assert pdf_attachment_ok(part.content, number)
    await page.goto(f"{topology.url('web')}/mon-abonnement/factures")
    await page.goto(f"{topology.url('web')}/mon-abonnement")
    await expect(page.get_by_text("Actif", exact=True)).to_be_visible()
    await page.screenshot(path=shot("topology-actif"), full_page=True)

    answered = topology.gateway.answered_by(topology.gateway.entries()[logged_before:])
    for part_name in ("web", *SERVICES):
        assert answered[(part_name, 0)] > 0 and answered[(part_name, 1)] > 0, answered
