"""The browser steps the payments journeys share: a new user, steps 1 to 4, the card form,
the operator's approval."""

import re
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from playwright.async_api import Page, expect

from tests.e2e.conftest import shot
from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import (
    log_in,
    open_account,
)

# The seed's catalog (services/subscriptions/seed.py): site 1534, CISSS Outaouais.
SITE = "1534"
EMPLOYEE = "101"  # Employé du CISSSO: 7117 (payroll, DAS) and 7118 (pad)
RESIDENT = "103"  # Résident: 7119 (pad)
CARD_OFFERING = "1461 - Hôpital de Hull - Employé CISSSO - Soir et fin de semaine (#7118)"
CARD_MONTHLY = 3500
BANK_OFFERING = "1461 - Hôpital de Hull - Résident (#7119)"
PAYROLL_OFFERING = "1461 - Hôpital de Hull - Employé CISSSO (#7117)"

VISA = "4242 4242 4242 4242"
MASTERCARD = "5555 5555 5555 4444"
BANK = {"institution": "815", "transit": "30127", "account": "004567891"}  # last 4: 7891
CLAIM_AMOUNT = "45,00"

MONTREAL = ZoneInfo("America/Montreal")
STEP5 = "/ajouter-un-abonnement/paiement"


def today() -> date:
    return datetime.now(MONTREAL).date()


def amount(cents: int) -> re.Pattern[str]:
    """`5,83 $` as the portal writes an amount under 1 000 $ (any space before the `$`)."""
    return re.compile(rf"^{cents // 100},{cents % 100:02d}\s\$$")


ZERO = amount(0)


def cheque_specimen(folder: Path) -> Path:
    """A small PDF: a void cheque's photocopy, as a user would upload it."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Banque Exemple - SPECIMEN - ANNULE")
    path = folder / "specimen-cheque.pdf"
    pdf.output(str(path))
    assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size < 10_000
    return path


# --- The journey's steps ------------------------------------------------------------------------


async def new_user(stack: Stack, page: Page, name: str) -> tuple[str, str]:
    """An account with its profile, logged in; its email and a plate of its own."""
    address = f"{name}-{uuid.uuid4().hex[:8]}@example.org"
    plate = f"P{uuid.uuid4().hex[:5].upper()}"
    await open_account(stack, address)
    await log_in(page, stack, address)
    return address, plate


async def steps_1_to_4(page: Page, category: str, offering: str, plate: str) -> None:
    """ "Créer un nouvel abonnement" 1-4 up to the summary (the subscription journey's test checks
    each step's errors; this walks the happy path)."""
    await page.get_by_role("link", name="AJOUTER UN ABONNEMENT").click()
    # The page's script submits the form when the site changes: wait until it has run (under
    # load, a choice made before it attached its listener went nowhere: seen in CI).
    await page.wait_for_url("**/ajouter-un-abonnement")  # its "load" event, the script run
    await page.get_by_label("1. Sélectionnez un stationnement ou une organisation").select_option(
        SITE
    )
    chosen = page.get_by_label("2. Sélectionnez votre catégorie d'utilisateur")
    await expect(chosen).to_be_visible()
    await chosen.select_option(category)
    await page.get_by_label(offering).check()
    await page.get_by_label("Je souhaite m'abonner à partir du").fill(today().isoformat())
    await page.get_by_label("J'accepte les conditions d'abonnement").check()
    await page.get_by_label(
        "Je comprends que l'accès au stationnement nécessite l'approbation de la SPAQ."
    ).check()
    await page.get_by_role("button", name="Sélectionner cet abonnement").click()

    await page.get_by_text("Ajouter un véhicule").click()
    await page.get_by_label("Année").fill("2022")
    await page.get_by_label("Marque").fill("Honda")
    await page.get_by_label("Modèle").fill("Civic")
    await page.get_by_label("Couleur").fill("Bleu")
    await page.get_by_label("Numéro d'immatriculation").fill(plate)
    await page.get_by_role("button", name="Enregistrer mon véhicule").click()
    await expect(page.get_by_label(re.compile(plate))).to_be_checked()
    await page.get_by_role("button", name="Continuer à l'étape suivante").click()

    await page.get_by_label(re.compile("Numéro d'employé")).fill("E-4410")
    await page.get_by_role("button", name="Mettre à jour").click()
    await expect(
        page.get_by_role("heading", name="Récapitulatif de votre abonnement")
    ).to_be_visible()


async def fill_card(page: Page, holder: str, number: str) -> None:
    """The card fields of step 5, of "Mettre à jour la carte de crédit" and of a claim notice:
    the holder on the portal's page, the card in the processor's hosted page (its iframe)."""
    await page.get_by_label("Nom du titulaire").fill(holder)
    frame = page.frame_locator("iframe[data-hosted-card]")
    await frame.get_by_label("No. de carte").fill(number)
    await frame.get_by_label("Date d'expiration - Mois").select_option("12")
    await frame.get_by_label("Date d'expiration - Année").select_option(str(today().year + 3))
    await frame.get_by_label("CVV").fill("123")


async def submit_card(page: Page, button: "str | re.Pattern[str] | None") -> None:
    """The form's button (None: Enter in the card frame's CVV, the keyboard's way): the frame
    posts the card to the processor, hands the page its token, and the page submits; wait for
    the next page (two round trips, not one)."""
    async with page.expect_navigation(timeout=30_000):
        if button is None:
            await page.frame_locator("iframe[data-hosted-card]").get_by_label("CVV").press("Enter")
        else:
            await page.get_by_role("button", name=button).click()


async def detail_fact(page: Page, label: str) -> str:
    return (await page.locator(f"dt:has-text('{label}') + dd").first.inner_text()).strip()


async def approve(console: Page, contract: str, email_address: str) -> None:
    """The operator approves the request in the console (as the subscription journey does)."""
    await console.get_by_role("link", name="Console opérateur").click()
    await console.get_by_role("link", name=contract).click()
    await expect(console.get_by_text(email_address)).to_be_visible()
    await console.screenshot(path=shot("31-paiement-console-demande"), full_page=True)
    await console.get_by_role("button", name="Approuver").click()
    await expect(console.get_by_text("La demande a été approuvée.")).to_be_visible()
    # Right after the click the contract and the first charge are still being prepared.
    preparing = "Actif — contrat et premier paiement en préparation"
    await expect(console.get_by_text(preparing, exact=True)).to_be_visible()
