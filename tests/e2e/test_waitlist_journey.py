"""« Liste d'attente » in Chromium on the real stack: a full offering's waitlist, from the
request that joins it to the first charge of the person it served.

An operator creates an offering of one space, with no notice (API). A first subscriber takes the
space: steps 1 to 5 in the browser, approved through the API. A second subscriber's request, in
the browser, joins the waitlist: MON ABONNEMENT shows « Liste d'attente — rang 1 » (and, in
English, « Waitlist — rank 1 »); a third one's shows « rang 2 ». The first subscriber cancels
for today (API; the cancellation journey has its own browser test): with no notice, the
cancellation takes effect at once and frees the space. The offer email « Une place vous est
offerte » reaches the second subscriber (mail catcher), whose link leads to « Confirmer ma
place »; the third is then « rang 1 ». The operator approves the request in the console, and the
second subscriber's card pays the first period: « Factures et reçus » shows the invoice paid, for
the amount step 5 announced. An offer's deadline passing is shown on the time-skipping server
(tests/workflows/test_waitlist_workflow.py), not waited for on a real clock.
"""

import random
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from servicekit.money import prorate
from tests.e2e.conftest import shot
from tests.e2e.payments_steps import (
    RESIDENT,
    STEP5,
    VISA,
    ZERO,
    amount,
    detail_fact,
    fill_card,
    new_user,
    steps_1_to_4,
    submit_card,
    today,
)
from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import PASSWORD, log_in, mail_search, run_module, seeded
from tests.e2e.test_temporary_vehicle_journey import bearer

__all__ = ["seeded"]  # the fixture, shared with the subscription journey
MONTHLY = 4200
OFFER_SUBJECT = "Une place vous est offerte"


@pytest.fixture
async def operator(seeded: Stack) -> str:
    agent = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    run_module(
        seeded, "services.identity.cli", "create-operator", agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )  # fmt: skip
    return agent


@pytest.fixture
async def pages(browser: Browser) -> AsyncIterator[list[Page]]:
    """Three more browser contexts of their own: two subscribers and the operator."""
    contexts = [
        await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
        for _ in range(3)
    ]
    yield [await context.new_page() for context in contexts]
    for context in contexts:
        await context.close()


async def full_offering(stack: Stack, operator: str) -> str:
    """A `pad` offering of one space, with no notice, at the seed's CISSS Outaouais (Résident);
    its label in step 1."""
    offering_id = random.randint(9100, 9899)  # none of the seed's
    name = f"Hôpital de Hull - Résident - Places limitées {uuid.uuid4().hex[:4].upper()}"
    body = {
        "id": offering_id,
        "site_id": 1534,
        "category_id": int(RESIDENT),
        "code": "1461",
        "name": name,
        "description_fr": "Abonnement mensuel en tout temps",
        "description_en": "Monthly subscription, any time",
        "monthly_price_cents": MONTHLY,
        "billing_mode": "pad",
        "notice_days": 0,
        "capacity": 1,
        "waitlist_confirm_hours": 48,
    }
    async with httpx.AsyncClient(base_url=stack.url("subscriptions")) as subs:
        created = await subs.post(
            "/v1/operator/offerings", json=body, headers=await bearer(stack, operator)
        )
    assert created.status_code == 201, created.text
    return f"1461 - {name} (#{offering_id})"


async def request_by_card(page: Page, label: str, plate: str) -> str:
    """Steps 1 to 5, paid by a Visa; the request's id (its page is open)."""
    await steps_1_to_4(page, RESIDENT, label, plate)
    await page.get_by_role("button", name="Transmettre ma demande").click()
    await expect(page).to_have_url(re.compile(re.escape(STEP5)))
    await fill_card(page, "Léa Tremblay", VISA)
    await page.get_by_label(re.compile("J'autorise la SPAQ à prélever")).check()
    await submit_card(page, "Soumettre")
    await expect(page).to_have_url(re.compile(r"/mon-abonnement/[\w-]+$"))
    return page.url.rsplit("/", 1)[1]


async def test_a_space_freed_by_a_cancellation_goes_to_the_first_in_line_who_confirms_and_pays(
    seeded: Stack, page: Page, pages: list[Page], operator: str
) -> None:
    stack, web = seeded, seeded.url("web")
    second, third, console = pages
    label = await full_offering(stack, operator)

    # The first subscriber takes the only space
    holder, plate = await new_user(stack, page, "titulaire")
    holder_sid = await request_by_card(page, label, plate)
    async with httpx.AsyncClient(base_url=stack.url("subscriptions")) as subs:
        path = f"/v1/operator/subscriptions/{holder_sid}/decision"
        decided = await subs.post(
            path, headers=await bearer(stack, operator), json={"decision": "approve"}
        )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "active"

    # The second one's request joins the waitlist: rank 1, in French and in English
    waiting, plate = await new_user(stack, second, "attente")
    waiting_sid = await request_by_card(second, label, plate)
    notice = second.locator(".waitlist-rank")
    await expect(notice).to_have_text("Liste d'attente — rang 1")
    await expect(second.get_by_text("a 48 heures pour la confirmer")).to_be_visible()
    await expect(second.get_by_role("button", name="Confirmer ma place")).to_have_count(0)
    await second.screenshot(path=shot("50-liste-attente-rang-1"), full_page=True)
    await second.get_by_role("link", name="MON ABONNEMENT").first.click()
    await expect(second.get_by_text("Liste d'attente — rang 1")).to_be_visible()
    await second.goto(f"{web}/mon-abonnement/{waiting_sid}?lang=en")
    await expect(notice).to_have_text("Waitlist — rank 1")
    await second.goto(f"{web}/mon-abonnement/{waiting_sid}?lang=fr")
    await expect(notice).to_have_text("Liste d'attente — rang 1")

    # The third one's: rank 2
    _, plate = await new_user(stack, third, "suivant")
    third_sid = await request_by_card(third, label, plate)
    await expect(third.locator(".waitlist-rank")).to_have_text("Liste d'attente — rang 2")

    # The first subscriber cancels for today: with no notice, the space is free at once
    async with httpx.AsyncClient(base_url=stack.url("subscriptions")) as subs:
        cancelled = await subs.post(
            f"/v1/subscriptions/{holder_sid}/cancellation",
            headers=await bearer(stack, holder),
            json={"date": today().isoformat()},
        )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancellation_effective"] == today().isoformat(), cancelled.json()

    # The offer email reaches the first in line; its link leads to « Confirmer ma place »
    (offer,) = await mail_search(stack, f'to:{waiting} subject:"{OFFER_SUBJECT}"')
    assert offer["Subject"] == OFFER_SUBJECT, offer
    async with httpx.AsyncClient(base_url=stack.url("mail")) as mail:
        text = (await mail.get(f"/api/v1/message/{offer['ID']}")).json()["Text"]
    assert "vous êtes la première personne sur la liste d'attente" in text, text
    link = re.search(r"Confirmer ma place : (\S+)", text)
    assert link is not None, text
    assert link.group(1) == f"{web}/mon-abonnement/{waiting_sid}", link.group(1)
    await second.goto(link.group(1))
    await expect(second.locator(".waitlist-offer")).to_have_text(OFFER_SUBJECT)
    await expect(second.get_by_text(re.compile("^Confirmez votre place avant le"))).to_be_visible()
    await second.screenshot(path=shot("51-liste-attente-place-offerte"), full_page=True)
    await second.get_by_role("button", name="Confirmer ma place").click()
    await expect(
        second.get_by_text(
            "Votre place est confirmée. Le centre de service approuvera votre demande."
        )
    ).to_be_visible()
    await expect(second.locator(".waitlist-confirmed")).to_be_visible()
    await expect(second.get_by_role("button", name="Confirmer ma place")).to_have_count(0)

    # The next person moves up
    await third.goto(f"{web}/mon-abonnement/{third_sid}")
    await expect(third.locator(".waitlist-rank")).to_have_text("Liste d'attente — rang 1")

    # The operator approves in the console
    await log_in(console, stack, operator)
    await console.goto(f"{web}/console-operateur/demandes/{waiting_sid}")
    await expect(console.get_by_text(waiting)).to_be_visible()
    await expect(
        console.get_by_text(
            "Place offerte confirmée par l'abonné : la demande peut être approuvée."
        )
    ).to_be_visible()
    await console.screenshot(path=shot("52-console-liste-attente-confirmee"), full_page=True)
    await console.get_by_role("button", name="Approuver").click()
    await expect(console.get_by_text("La demande a été approuvée.")).to_be_visible()

    # The first period is charged to the card: the invoice is paid, for step 5's amount
    approved = await mail_search(stack, f"to:{waiting}", attachments=True)
    assert approved[0]["Subject"] == "Votre demande d'abonnement a été approuvée", approved[0]
    await second.goto(f"{web}/mon-abonnement/{waiting_sid}")
    await expect(second.get_by_text("Actif", exact=True)).to_be_visible()
    assert ZERO.fullmatch(await detail_fact(second, "Solde")), await detail_fact(second, "Solde")
    await second.get_by_role("link", name="Factures et reçus", exact=True).click()
    row = second.locator("table.invoices tbody tr")
    await expect(row).to_have_count(1)
    await expect(row.get_by_text("Payée")).to_be_visible()
    await expect(row.locator("td").nth(2)).to_have_text(amount(prorate(MONTHLY, today())))
    await second.screenshot(path=shot("53-liste-attente-premiere-facture"), full_page=True)
