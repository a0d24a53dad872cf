"""A claim notice paid with the sandbox's 3-D Secure card, in Chromium, on the real stack: the
card typed in the hosted card page, the portal sends the browser to the sandbox issuer's
challenge page (the hosted card service's), « Autoriser », and the browser comes back to the
portal's return page, which shows the receipt; the notice then reads « Payé »."""

import re
import uuid
from datetime import timedelta

from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import shot
from tests.e2e.payments_steps import CLAIM_AMOUNT, SITE, detail_fact, submit_card, today
from tests.e2e.stack import Stack
from tests.e2e.test_payments_journey import (  # noqa: F401  (the module's fixtures)
    anonymous,
    console,
    operator_email,
    seeded,
)

CHALLENGE_CARD = "4000 0027 6000 3184"


async def _issue(console: Page, number: str, plate: str) -> None:  # noqa: F811  (the fixture's page)
    await console.get_by_role("link", name="Console opérateur").click()
    await console.get_by_role("link", name="Avis de réclamation", exact=True).click()
    await console.get_by_label("Numéro de l'avis").fill(number)
    await console.get_by_label("Numéro d'immatriculation").fill(plate)
    await console.get_by_label("Stationnement ou organisme").select_option(SITE)
    await console.get_by_label("Date de l'avis").fill(today().isoformat())
    await console.get_by_label("Montant ($)").fill(CLAIM_AMOUNT)
    await console.get_by_label("Date d'échéance").fill((today() + timedelta(days=30)).isoformat())
    await console.get_by_role("button", name="Créer l'avis").click()
    await expect(console.get_by_text("L'avis de réclamation a été créé.")).to_be_visible()


async def test_a_claim_notice_paid_through_the_3ds_challenge(
    seeded: Stack,  # noqa: F811
    console: Page,  # noqa: F811
    anonymous: BrowserContext,  # noqa: F811
) -> None:
    web, bank = seeded.url("web"), seeded.url("hosted_card")
    number, plate = f"AR-{uuid.uuid4().hex[:6].upper()}", f"S{uuid.uuid4().hex[:5].upper()}"
    await _issue(console, number, plate)

    visitor = await anonymous.new_page()
    await visitor.goto(f"{web}/payer-un-avis-de-reclamation")
    await visitor.get_by_label("Numéro de l'avis").fill(number)
    await visitor.get_by_label("Numéro d'immatriculation").fill(plate)
    await visitor.get_by_role("button", name="Continuer", exact=True).click()
    await expect(visitor.get_by_text("À payer")).to_be_visible()
    await visitor.get_by_label("Nom du titulaire").fill("Paul Roy")
    frame = visitor.frame_locator("iframe[data-hosted-card]")
    await frame.get_by_label("No. de carte").fill(CHALLENGE_CARD)
    await frame.get_by_label("Date d'expiration - Mois").select_option("12")
    await frame.get_by_label("Date d'expiration - Année").select_option(str(today().year + 3))
    await frame.get_by_label("CVV").fill("123")
    await submit_card(visitor, None)  # Enter in the card frame pays

    # The bank's challenge, on the hosted card service: French first, then English
    await visitor.wait_for_url(re.compile(f"^{re.escape(bank)}/3ds/ch_"))
    await expect(
        visitor.get_by_role("heading", name="Authentification 3-D Secure", exact=True)
    ).to_be_visible()
    await expect(visitor.get_by_text("3-D Secure authentication")).to_be_visible()
    await visitor.screenshot(path=shot("41-avis-3ds-defi"), full_page=True)
    authorize = visitor.get_by_role("button", name=re.compile("^Autoriser"))
    await authorize.focus()
    await visitor.keyboard.press("Enter")  # usable from the keyboard

    # Back on the portal's return page: the receipt, with no plate in the address
    await visitor.wait_for_url(re.compile(f"^{re.escape(web)}/payer-un-avis-de-reclamation/retour"))
    assert plate not in visitor.url and plate.lower() not in visitor.url
    await expect(visitor.get_by_role("heading", name="Paiement reçu")).to_be_visible()
    await expect(visitor.get_by_text(re.compile(f"pour l'avis {number}"))).to_be_visible()
    assert await detail_fact(visitor, "Numéro de reçu"), "no receipt number"
    await expect(visitor.get_by_role("button", name="Télécharger le reçu (PDF)")).to_be_visible()
    await visitor.screenshot(path=shot("42-avis-3ds-paye"), full_page=True)

    # Looked up again, it is « Payé »
    await visitor.goto(f"{web}/payer-un-avis-de-reclamation")
    await visitor.get_by_label("Numéro de l'avis").fill(number)
    await visitor.get_by_label("Numéro d'immatriculation").fill(plate)
    await visitor.get_by_role("button", name="Continuer", exact=True).click()
    await expect(visitor.locator("dd.status-paid")).to_have_text(re.compile("^Payé"))
