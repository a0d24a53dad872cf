"""Création de votre compte 1-4 and Connexion 1-2 of the guide, in Chromium, on the real stack."""

import asyncio
import re
import uuid

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.stack import Stack

PASSWORD = "une phrase de passe solide"


async def verification_link(stack: Stack, email: str) -> str:
    """The link of the verification email, read from the mail catcher's Mailpit API."""
    async with httpx.AsyncClient(base_url=stack.url("mail")) as mail:
        for _ in range(150):
            found = (await mail.get("/api/v1/search", params={"query": f"to:{email}"})).json()
            if found["messages"]:
                message_id = found["messages"][0]["ID"]
                text = (await mail.get(f"/api/v1/message/{message_id}")).json()["Text"]
                return re.search(r"https?://\S+token=[\w-]+", text).group(0)  # type: ignore[union-attr]
            await asyncio.sleep(0.2)
    raise AssertionError("no verification email arrived")


async def test_a_person_opens_an_account_verifies_it_logs_in_and_fills_in_their_information(
    stack: Stack, page: Page
) -> None:
    email = f"lea-{uuid.uuid4().hex[:8]}@example.org"

    await page.goto(stack.url("web"))
    await expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    await page.screenshot(path=shot("01-connexion"))
    await page.get_by_role("link", name="Créer un compte").click()

    await expect(page.get_by_text("Ouverture de compte")).to_be_visible()
    await page.get_by_label("Adresse courriel").fill(email)
    await page.get_by_label("Mot de passe", exact=True).fill("court")
    await page.get_by_label("Confirmation du mot de passe").fill("court")
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_text("au moins 8 caractères")).to_be_visible()
    await page.screenshot(path=shot("02-ouverture-erreur"))

    await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    await page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_text("Confirmation du compte")).to_be_visible()
    await expect(page.get_by_text("Étape 2 de 2")).to_be_visible()
    await page.screenshot(path=shot("03-confirmation-du-compte"))

    await page.goto(await verification_link(stack, email))
    await expect(page.get_by_text("Votre adresse e-mail a bien été validée")).to_be_visible()
    await page.screenshot(path=shot("04-adresse-validee"))
    await page.get_by_role("link", name=re.compile("continuer", re.I)).click()

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
    await page.get_by_role("button", name="Mettre à jour").click()
    await expect(page.get_by_text("Champ requis")).to_be_visible()  # no phone yet
    await page.screenshot(path=shot("05-informations-erreur"))

    await page.get_by_label("Téléphone mobile").fill("819 555-0142")
    await page.get_by_role("button", name="Mettre à jour").click()
    await expect(page.get_by_text("AJOUTER UN ABONNEMENT")).to_be_visible()
    await expect(page.get_by_text("PAYER UN AVIS DE RÉCLAMATION")).to_be_visible()
    await page.screenshot(path=shot("06-tableau-de-bord"))

    await page.goto(f"{stack.url('web')}/informations-personnelles")
    await expect(page.get_by_label("Téléphone mobile")).to_have_value(re.compile("819"))
    await expect(page.get_by_label("Code postal")).to_have_value("J8Y 1Z7")
