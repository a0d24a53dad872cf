"""Step 5 "Ajouter une carte de crédit" and what follows it, in Chromium, on the real stack.

- a pre-authorized-debit offering paid by card (Visa 4242): step 5's labels, "Soumettre", the
  detail page's "Méthode de paiement" and "Solde"; the operator's approval, the approval email,
  the first invoice in "Factures et reçus" with its PDF; "Mettre à jour la carte de crédit" with
  a Mastercard;
- a pre-authorized-debit offering paid from a bank account ("Prélèvement pré-auto.", a PDF
  cheque specimen uploaded through the file input, "Ajouter");
- a payroll-deduction (DAS) offering, which never shows step 5;
- a claim notice issued in the operator console, found and paid by an anonymous visitor, once;
- then RULES.md's card rule: no Luhn-valid 13-19 digit run in any table of the three services'
  databases, in the processes' logs or in any email the catcher received.

The tests of this module share one stack and run in order: the last one scans what the others
left behind.
"""

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from servicekit.cards import card_numbers
from servicekit.money import prorate
from tests.e2e.conftest import shot
from tests.e2e.leak_scan import Scan, pdf_text, scan_database, scan_emails, scan_logs
from tests.e2e.payments_steps import (
    BANK,
    BANK_OFFERING,
    CARD_MONTHLY,
    CARD_OFFERING,
    CLAIM_AMOUNT,
    EMPLOYEE,
    MASTERCARD,
    PAYROLL_OFFERING,
    RESIDENT,
    SITE,
    STEP5,
    VISA,
    ZERO,
    amount,
    approve,
    cheque_specimen,
    detail_fact,
    fill_card,
    new_user,
    steps_1_to_4,
    submit_card,
    today,
)
from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import (
    PASSWORD,
    log_in,
    mail_search,
    run_module,
)


@dataclass
class Journey:
    """What the tests of this module pass on to each other."""

    card_email: str = ""
    card_plate: str = ""
    card_subscription: str = ""
    card_contract: str = ""
    claim_number: str = ""


@pytest.fixture(scope="module")
def journey() -> Journey:
    return Journey()


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> Stack:
    """The stack with the catalog's seed (idempotent, as `make run` loads it)."""
    run_module(stack, "services.subscriptions.seed")
    return stack


@pytest.fixture(scope="module")
def operator_email(seeded: Stack) -> str:
    agent = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        seeded,
        "services.identity.cli",
        "create-operator",
        agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )
    return agent


@pytest.fixture
async def console(browser: Browser, seeded: Stack, operator_email: str) -> AsyncIterator[Page]:
    """An operator, logged in, in a browser context of their own."""
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await log_in(page, seeded, operator_email)
    yield page
    await context.close()


@pytest.fixture
async def anonymous(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A browser context with no session: a visitor who has no account."""
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
    yield context
    await context.close()


async def test_card_subscription_approved_invoiced_and_card_updated(
    seeded: Stack, page: Page, console: Page, journey: Journey
) -> None:
    stack = seeded
    web = stack.url("web")
    address, plate = await new_user(stack, page, "carte")
    journey.card_email, journey.card_plate = address, plate
    await steps_1_to_4(page, EMPLOYEE, CARD_OFFERING, plate)
    await page.get_by_role("button", name="Transmettre ma demande").click()

    # (1) Step 5 "Ajouter une carte de crédit", card chosen by default
    await expect(page).to_have_url(re.compile(re.escape(STEP5)))
    await expect(page.get_by_role("heading", name="Ajouter une carte de crédit")).to_be_visible()
    await expect(page.get_by_text("ÉTAPE 5 DE 5")).to_be_visible()
    await expect(page.get_by_role("heading", name="VOTRE ABONNEMENT")).to_be_visible()
    await expect(page.get_by_text("Prix pour la période en cours")).to_be_visible()
    first_period = prorate(CARD_MONTHLY, today())  # today to the end of the month
    await expect(page.locator("dt:has-text('Mensualité du service') + dd")).to_have_text(
        amount(CARD_MONTHLY)
    )
    await expect(page.locator(".period-total")).to_have_text(amount(first_period))
    await expect(page.get_by_label("Carte de crédit", exact=True)).to_be_checked()
    await expect(page.get_by_label("Prélèvement pré-auto.")).not_to_be_checked()
    await fill_card(page, "Léa Tremblay", VISA)
    await page.get_by_label(re.compile("J'autorise la SPAQ à prélever")).check()
    await page.screenshot(path=shot("30-paiement-etape-5-carte"), full_page=True)
    await submit_card(page, "Soumettre")

    # Step 6: pending, paid by that Visa, nothing owed yet
    await expect(
        page.get_by_text("Votre abonnement est présentement en attente d'approbation.")
    ).to_be_visible()
    method = await detail_fact(page, "Méthode de paiement")
    assert re.fullmatch(r"Carte de crédit (Visa )?•••• 4242", method), method
    assert ZERO.fullmatch(await detail_fact(page, "Solde")), await detail_fact(page, "Solde")
    journey.card_subscription = page.url.rsplit("/", 1)[1]
    journey.card_contract = await detail_fact(page, "Numéro de contrat")
    assert re.fullmatch(r"\d{8}", journey.card_contract), journey.card_contract
    html = await page.content()
    assert not card_numbers(html), "the page shows a card number"

    # (4) The operator approves; the first period is charged to the card
    await approve(console, journey.card_contract, address)
    approved = await mail_search(stack, f"to:{address}", attachments=True)
    assert approved[0]["Subject"] == "Votre demande d'abonnement a été approuvée", approved[0]
    await page.reload()
    await expect(page.get_by_text("Actif", exact=True)).to_be_visible()
    assert ZERO.fullmatch(await detail_fact(page, "Solde"))  # the first period paid at approval

    # "Factures et reçus": the first invoice, paid, its PDF downloadable
    await page.get_by_role("link", name="Factures et reçus", exact=True).click()
    await expect(page).to_have_url(f"{web}/mon-abonnement/factures")
    row = page.locator("table.invoices tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.get_by_text("Payée")).to_be_visible()
    number = (await row.locator("td").first.inner_text()).strip()
    await expect(row.locator("td").nth(2)).to_have_text(amount(first_period))  # as step 5 said
    await page.screenshot(path=shot("32-paiement-factures"), full_page=True)
    async with page.expect_download() as waiting:
        await row.get_by_role("link", name="Facture (PDF)").click()
    download = await waiting.value
    invoice = Path(await download.path()).read_bytes()
    assert invoice.startswith(b"%PDF"), invoice[:100]
    text = pdf_text(invoice)
    assert number in text and "TPS" in text and "TVQ" in text, text[:500]
    assert not card_numbers(text)

    # (5) "Mettre à jour la carte de crédit" with a Mastercard
    await page.goto(f"{web}/mon-abonnement/{journey.card_subscription}")
    await page.get_by_role("link", name="Mettre à jour la carte de crédit").first.click()
    await expect(
        page.get_by_role("heading", name="Mettre à jour la carte de crédit").first
    ).to_be_visible()
    await expect(page.get_by_text(re.compile("•••• 4242")).first).to_be_visible()
    await fill_card(page, "Léa Tremblay", MASTERCARD)
    await page.screenshot(path=shot("33-paiement-mise-a-jour-carte"), full_page=True)
    await submit_card(page, None)  # Enter in the card frame submits the form
    await expect(page.get_by_text("Votre carte de crédit a été mise à jour.")).to_be_visible()
    await expect(page).to_have_url(f"{web}/mon-abonnement/{journey.card_subscription}")
    method = await detail_fact(page, "Méthode de paiement")
    assert re.fullmatch(r"Carte de crédit (Mastercard )?•••• 4444", method), method
    await page.screenshot(path=shot("34-paiement-carte-a-jour"), full_page=True)


async def test_bank_account_and_payroll_subscriptions(
    seeded: Stack, page: Page, browser: Browser, tmp_path: Path
) -> None:
    stack = seeded
    web = stack.url("web")

    # (2) A pre-authorized debit from a bank account, the cheque specimen uploaded
    await new_user(stack, page, "banque")
    plate = f"B{uuid.uuid4().hex[:5].upper()}"
    await steps_1_to_4(page, RESIDENT, BANK_OFFERING, plate)
    await page.get_by_role("button", name="Transmettre ma demande").click()
    await expect(page.get_by_text("ÉTAPE 5 DE 5")).to_be_visible()
    await page.get_by_label("Prélèvement pré-auto.").click()  # the form submits itself
    await expect(page).to_have_url(re.compile(r"methode=pad"))
    await expect(page.get_by_label("Prélèvement pré-auto.")).to_be_checked()
    await page.get_by_label("Nom du titulaire").fill("Marc Gagnon")
    await page.get_by_label("Numéro de l'institution").fill(BANK["institution"])
    await page.get_by_label("Numéro de transit").fill(BANK["transit"])
    await page.get_by_label("Numéro de compte", exact=True).fill(BANK["account"])
    await page.locator("input[type=file][name=specimen]").set_input_files(cheque_specimen(tmp_path))
    await expect(page.get_by_text("specimen-cheque.pdf")).to_be_visible()
    await expect(page.get_by_text("Obtenir de l'aide")).to_be_visible()
    await page.get_by_label(re.compile("J'ai lu l'accord de prélèvement préautorisé")).check()
    await page.screenshot(path=shot("35-paiement-etape-5-pad"), full_page=True)
    await page.get_by_role("button", name="Ajouter", exact=True).click()
    await expect(
        page.get_by_text("Votre abonnement est présentement en attente d'approbation.")
    ).to_be_visible()
    method = await detail_fact(page, "Méthode de paiement")
    assert re.fullmatch(r"Prélèvement pré-autorisé •••• 7891", method), method
    await expect(page.get_by_text(BANK["account"])).to_have_count(0)  # never the full account
    await page.screenshot(path=shot("36-paiement-pad-en-attente"), full_page=True)

    # (3) A payroll-deduction (DAS) offering: the request leaves from the summary, no step 5
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
    das = await context.new_page()
    visited: list[str] = []
    das.on("framenavigated", lambda frame: visited.append(frame.url))
    try:
        await new_user(stack, das, "das")
        plate = f"D{uuid.uuid4().hex[:5].upper()}"
        await steps_1_to_4(das, EMPLOYEE, PAYROLL_OFFERING, plate)
        await expect(das.get_by_text("DAS (Déduction à la source)").first).to_be_visible()
        await das.goto(f"{web}{STEP5}")  # asked for directly, step 5 sends back to the summary
        await expect(das).to_have_url(f"{web}/ajouter-un-abonnement/recapitulatif")
        await das.get_by_role("button", name="Transmettre ma demande").click()
        await expect(
            das.get_by_text("Votre abonnement est présentement en attente d'approbation.")
        ).to_be_visible()
        assert await detail_fact(das, "Méthode de paiement") == "Déduction à la source"
        await expect(das.get_by_text("Ajouter une carte de crédit")).to_have_count(0)
        await expect(
            das.get_by_role("link", name="Mettre à jour la carte de crédit")
        ).to_have_count(0)
        assert visited and not [url for url in visited if STEP5 in url], visited
    finally:
        await context.close()


async def test_claim_notice_issued_then_paid_once_by_a_visitor(
    seeded: Stack, console: Page, anonymous: BrowserContext, journey: Journey
) -> None:
    stack = seeded
    web = stack.url("web")
    number = journey.claim_number = f"AR-{uuid.uuid4().hex[:6].upper()}"
    plate = journey.card_plate or f"C{uuid.uuid4().hex[:5].upper()}"

    # (6) The operator issues the notice
    await console.get_by_role("link", name="Console opérateur").click()
    await console.get_by_role("link", name="Avis de réclamation", exact=True).click()
    await expect(
        console.get_by_role("heading", name="Avis de réclamation", exact=True)
    ).to_be_visible()
    await console.get_by_label("Numéro de l'avis").fill(number)
    await console.get_by_label("Numéro d'immatriculation").fill(plate)
    await console.get_by_label("Stationnement ou organisme").select_option(SITE)
    await console.get_by_label("Date de l'avis").fill(today().isoformat())
    await console.get_by_label("Montant ($)").fill(CLAIM_AMOUNT)
    await console.get_by_label("Date d'échéance").fill((today() + timedelta(days=30)).isoformat())
    await console.screenshot(path=shot("37-console-avis"), full_page=True)
    await console.get_by_role("button", name="Créer l'avis").click()
    await expect(console.get_by_text("L'avis de réclamation a été créé.")).to_be_visible()

    # A visitor finds it by its number and plate (a wrong plate finds nothing)
    visitor = await anonymous.new_page()
    late = await anonymous.new_page()  # a second tab, which will pay too late

    async def find(tab: Page, with_plate: str) -> None:
        await tab.goto(f"{web}/payer-un-avis-de-reclamation")
        await tab.get_by_label("Numéro de l'avis").fill(number)
        await tab.get_by_label("Numéro d'immatriculation").fill(with_plate)
        await tab.get_by_role("button", name="Continuer", exact=True).click()

    await find(visitor, "ZZZ999")
    await expect(visitor.get_by_text(re.compile("Aucun avis ne correspond"))).to_be_visible()
    await find(visitor, plate.lower())
    await expect(
        visitor.get_by_role("heading", name=f"Avis de réclamation {number}")
    ).to_be_visible()
    await expect(visitor.get_by_text("À payer")).to_be_visible()
    await expect(visitor.locator("dt:has-text('Montant') + dd")).to_have_text(amount(4500))
    await find(late, plate)
    await expect(late.get_by_text("À payer")).to_be_visible()

    async def pay(tab: Page) -> None:
        await tab.get_by_label("Nom du titulaire").fill("Paul Roy")
        frame = tab.frame_locator("iframe[data-hosted-card]")
        await frame.get_by_label("No. de carte").fill(VISA)
        await frame.get_by_label("Date d'expiration - Mois").select_option("12")
        await frame.get_by_label("Date d'expiration - Année").select_option(str(today().year + 3))
        await frame.get_by_label("CVV").fill("123")
        await submit_card(tab, None)  # Enter in the card frame pays

    await visitor.screenshot(path=shot("38-avis-a-payer"), full_page=True)
    await pay(visitor)
    await expect(visitor.get_by_role("heading", name="Paiement reçu")).to_be_visible()
    await expect(visitor.get_by_text(re.compile(f"pour l'avis {number}"))).to_be_visible()
    receipt = await detail_fact(visitor, "Numéro de reçu")
    assert receipt, "no receipt number"
    await visitor.screenshot(path=shot("39-avis-paye"), full_page=True)
    async with visitor.expect_download() as waiting:
        await visitor.get_by_role("button", name="Télécharger le reçu (PDF)").click()
    pdf = Path(await (await waiting.value).path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert number in text, text[:500]
    assert not card_numbers(text)

    # Paying again (the tab opened before the payment): already paid, nothing charged
    await pay(late)
    await expect(
        late.get_by_text("Cet avis est déjà payé : aucun montant n'a été porté à votre carte.")
    ).to_be_visible()
    await late.screenshot(path=shot("40-avis-deja-paye"), full_page=True)
    # and looked up again, it is "Payé", with no card form
    await find(late, plate)
    await expect(
        late.get_by_text("Cet avis est déjà payé; vous n'avez rien à faire.")
    ).to_be_visible()
    await expect(late.locator("dd.status-paid")).to_have_text(re.compile("^Payé"))
    await expect(late.locator("iframe[data-hosted-card]")).to_have_count(0)


async def test_no_card_number_in_the_databases_logs_or_emails(
    seeded: Stack, journey: Journey
) -> None:
    """RULES.md (PCI DSS): after the journeys above (cards 4242 and 5555 typed in step 5, in the
    card update and on the claim notice), no Luhn-valid 13-19 digit run is stored anywhere."""
    stack = seeded
    assert journey.card_subscription, "the card journey did not run: nothing to scan"
    scan = Scan(
        {
            journey.card_email: "identity",
            journey.card_contract: "subscriptions",
            journey.card_plate: "subscriptions",
            journey.claim_number: "payments",
            "4444": "payments",  # the Mastercard's last 4, kept as they may be
            "Votre demande d'abonnement a été approuvée": "emails",
        }
    )
    for name, url in stack.database_urls.items():
        await scan_database(scan, name, url)
    scan_logs(scan, stack.folder / "logs")
    await scan_emails(scan, stack)
    print(f"\n[Luhn scan read {scan.read}]")
    assert scan.read.get("log files", 0) >= len(stack.processes), scan.read
    assert scan.read.get("email messages", 0) >= 6, scan.read
    assert not scan.missed(), scan.missed()
    assert not scan.leaks, "\n".join(scan.leaks)
