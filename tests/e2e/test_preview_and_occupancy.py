"""Beyond the guide, in Chromium on the real stack: the price preview of « Récapitulatif » for
a card/bank offering and a payroll one, in French then English; the FAQ for a visitor; an
operator's « Occupation » page with the request just sent, its CSV download, in both
languages."""

import csv
import io
import re
import uuid
from datetime import timedelta

from playwright.async_api import Browser, Page, expect

from servicekit.i18n import format_long_date, format_money
from servicekit.money import back_out_taxes, prorate
from tests.e2e.conftest import shot
from tests.e2e.payments_steps import (
    BANK_OFFERING,
    EMPLOYEE,
    PAYROLL_OFFERING,
    RESIDENT,
    new_user,
    steps_1_to_4,
    today,
)
from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import PASSWORD, log_in, run_module, seeded  # noqa: F401

RESIDENT_MONTHLY, PAYROLL_MONTHLY = 4500, 6500  # the seed's 7119 and 7117


async def preview_lines(page: Page) -> list[str]:
    """The amounts of the preview's two tables: first charge, then the monthly one."""
    cells = page.locator("#price-preview .preview-lines dd")
    return [text.strip() for text in await cells.all_inner_texts()]


def expected_lines(first: int, monthly: int, language: str) -> list[str]:
    shown = []
    for cents in (first, monthly):
        split = back_out_taxes(cents)
        for part in (split.pretax_cents, split.gst_cents, split.qst_cents, cents):
            shown.append(format_money(part, language))
    return shown


async def test_price_preview_in_french_and_english(seeded: Stack, page: Page) -> None:  # noqa: F811
    _, plate = await new_user(seeded, page, "apercu")
    start = today()
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    first = prorate(RESIDENT_MONTHLY, start)

    await steps_1_to_4(page, RESIDENT, BANK_OFFERING, plate)
    preview = page.locator("#price-preview")
    await expect(preview.get_by_role("heading", name="Coût de votre abonnement")).to_be_visible()
    assert await preview_lines(page) == expected_lines(first, RESIDENT_MONTHLY, "fr")
    await expect(
        preview.get_by_text(re.compile("^Carte de crédit : prélevé le jour"))
    ).to_be_visible()
    bank_day = format_long_date(start + timedelta(days=10), "fr")  # the notice's 10 days
    await expect(
        preview.get_by_text(f"Compte bancaire : prélevé le {bank_day} au plus tôt", exact=False)
    ).to_be_visible()
    fr_following = format_long_date(following, "fr")
    monthly = f"{format_money(RESIDENT_MONTHLY, 'fr')} (TTC) prélevé le 1er de chaque mois"
    monthly += f", à partir du {fr_following}."
    await expect(preview.get_by_text(monthly)).to_be_visible()
    await page.screenshot(path=shot("60-recapitulatif-apercu-prix"), full_page=True)

    await page.get_by_role("link", name="English").click()
    await expect(
        preview.get_by_role("heading", name="What your subscription costs")
    ).to_be_visible()
    assert await preview_lines(page) == expected_lines(first, RESIDENT_MONTHLY, "en")
    await expect(
        preview.get_by_text(re.compile("^Credit card: charged on the day"))
    ).to_be_visible()
    await expect(preview.get_by_text(re.compile("^First full month: "))).to_be_visible()
    await page.screenshot(path=shot("61-summary-price-preview-en"), full_page=True)
    await page.get_by_role("link", name="Français").click()

    # Payroll deduction: the same figures' wording, nothing to pay; then the request is sent.
    await steps_1_to_4(page, EMPLOYEE, PAYROLL_OFFERING, f"{plate[:5]}Q")
    await expect(
        preview.get_by_role("heading", name="Première retenue sur le salaire")
    ).to_be_visible()
    assert await preview_lines(page) == expected_lines(
        prorate(PAYROLL_MONTHLY, start), PAYROLL_MONTHLY, "fr"
    )
    await expect(
        preview.get_by_text(re.compile("Vous n'avez aucun paiement à faire"))
    ).to_be_visible()
    await page.get_by_role("button", name="Transmettre ma demande").click()
    await expect(page.get_by_text("En attente d'approbation", exact=True)).to_be_visible()


async def test_the_faq_answers_a_visitor_in_both_languages(seeded: Stack, page: Page) -> None:  # noqa: F811
    await page.goto(f"{seeded.url('web')}/connexion")
    await page.get_by_role("link", name="Foire aux questions").click()
    await expect(
        page.get_by_role("heading", name="Je n'ai pas reçu le courriel de validation. Que faire?")
    ).to_be_visible()
    await expect(page.get_by_text(re.compile("pour ABC123-4, inscrivez ABC123"))).to_be_visible()
    await page.get_by_role("link", name="English").click()
    await expect(
        page.get_by_role("heading", name="What is the notice clause when I cancel?")
    ).to_be_visible()
    await page.screenshot(path=shot("62-faq-en"), full_page=True)


async def test_occupancy_page_and_csv_for_an_operator(
    seeded: Stack,  # noqa: F811
    page: Page,
    browser: Browser,
) -> None:
    _, plate = await new_user(seeded, page, "occupation")
    await steps_1_to_4(page, EMPLOYEE, PAYROLL_OFFERING, plate)
    await page.get_by_role("button", name="Transmettre ma demande").click()
    await expect(page.get_by_text("En attente d'approbation", exact=True)).to_be_visible()

    agent = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        seeded,
        "services.identity.cli",
        "create-operator",
        agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1400, "height": 900})
    console = await context.new_page()
    try:
        await log_in(console, seeded, agent)
        await console.get_by_role("link", name="Console opérateur").click()
        await console.get_by_role("link", name="Occupation des stationnements").click()
        await expect(
            console.get_by_role("heading", name="Occupation des stationnements")
        ).to_be_visible()
        row = console.locator('tr[data-offering="7117"]')
        await expect(row.locator(".figure-capacity")).to_have_text("250")
        assert int(await row.locator(".figure-pending").inner_text()) >= 1
        await expect(row.locator(".figure-oldest")).to_have_text(re.compile(r"^\d+ (h|j)$"))
        await expect(row.locator(".figure-billed")).to_have_text(re.compile(r"\$"))
        await console.screenshot(path=shot("63-console-occupation"), full_page=True)

        async with console.expect_download() as downloading:
            await console.get_by_role("link", name="Télécharger en CSV").click()
        download = await downloading.value
        assert re.fullmatch(
            r"occupation-occupancy-\d{4}-\d\d-\d\d\.csv", download.suggested_filename
        )
        content = (await download.path()).read_bytes()
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[0][6] == "Capacité / Capacity"
        (hull,) = [r for r in rows[1:] if r[3] == "7117"]
        assert hull[6] == "250" and int(hull[10]) >= 1

        await console.get_by_role("link", name="English").click()
        await expect(console.get_by_role("heading", name="Parking occupancy")).to_be_visible()
        await expect(console.get_by_role("columnheader", name="Pending requests")).to_be_visible()
        await console.screenshot(path=shot("64-console-occupancy-en"), full_page=True)
    finally:
        await context.close()
