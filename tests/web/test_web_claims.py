""" "PAYER UN AVIS DE RÉCLAMATION" on the real services: an operator issues a notice through the
console, anyone finds it by number and plate and pays it by card; "Mes avis de réclamation"."""

import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from services.payments.claims.models import ClaimPayment
from services.payments.config import PaymentsSettings
from services.payments.hosted_card.config import HostedCardSettings
from services.payments.hosted_card.main import create_app as create_hosted_card
from tests.payments.factories import _app_of
from tests.support.mail import SmtpServer
from tests.support.service_rows import add_active_subscription
from tests.web.claims_support import (
    CLAIMS,
    DECLINED,
    browser,
    find_notice,
    issue_notice,
    new_number,
    new_plate,
    operator_browser,
    page_text,
    pay_notice,
)
from tests.web.subscriptions_support import add_vehicle, make_operator
from tests.web.support import Account, api_login, bearer, csrf, field_error, login


@pytest.fixture
async def console(
    web_app: FastAPI,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    subscriptions_app: FastAPI,
) -> AsyncIterator[httpx.AsyncClient]:
    """An operator's signed-in browser (the catalog seeded, for the notice's site)."""
    agent = await make_operator(identity, smtp, identity_settings)
    async with operator_browser(web_app, agent) as browser:
        yield browser


@pytest.fixture
async def notice(console: httpx.AsyncClient) -> tuple[str, str]:
    """An unpaid notice of 45,00 $: (number, plate)."""
    number, plate = new_number(), new_plate()
    created = await issue_notice(console, number, plate)
    assert created.status_code == 303, created.text
    assert "L'avis de réclamation a été créé." in page_text(
        await console.get(created.headers["location"])
    )
    return number, plate


async def test_the_menu_entry_is_a_real_page(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    dashboard = (await client.get("/tableau-de-bord")).text
    assert f'href="{CLAIMS}"' in dashboard and "PAYER UN AVIS DE RÉCLAMATION" in dashboard
    page = page_text(await client.get(CLAIMS))
    assert "Bientôt disponible" not in page
    assert "Numéro de l'avis" in page and "Numéro d'immatriculation" in page
    assert "Mes avis de réclamation" in page


async def test_anonymous_payment_receipt_then_already_paid(
    client: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, plate = notice
    form = await client.get(CLAIMS)
    assert form.status_code == 200  # no login needed
    assert "Déconnexion" not in form.text

    found = page_text(await find_notice(client, number, plate.lower()))
    for text in [number, plate, "45,00 $", "À payer", "Date d'échéance", "Stationnement"]:
        assert text in found, text
    assert "Nom du titulaire" in found and 'name="card_token"' in found
    # the card itself is typed in the processor's hosted page, framed here: no card field
    assert re.search(r'<iframe id="f-card"[^>]* src="http://[^"]+/card\?lang=fr"', found)
    for field in ('name="number" type', 'name="card_number"', 'name="cvv"', 'name="exp_month"'):
        assert field not in found, field
    assert "amount_cents" not in found and "'status'" not in found  # no raw data as a banner
    # « Stationnement »: the site's name as step 1 writes it, then its number
    site = re.search(r"Stationnement</dt><dd>([^<]*)<span class=\"muted\">#(\d+)</span>", found)
    assert site and " - " in site.group(1), found[-3000:]

    paid = await pay_notice(client, number, plate, email="marie@example.org")
    assert paid.status_code == 200, paid.text
    receipt = page_text(paid)
    assert "Paiement reçu" in receipt and "Numéro de reçu" in receipt
    assert "Un reçu a été envoyé à votre adresse courriel." in receipt
    receipt_number = re.search(r"Numéro de reçu</dt><dd>(RA-[\w-]+)</dd>", receipt)
    assert receipt_number, receipt[-2000:]
    assert "4242424242424242" not in paid.text

    download = re.search(r'action="(/payer-un-avis-de-reclamation/recus/[^"]+)"', paid.text)
    assert download
    token = await csrf(client, CLAIMS)
    pdf = await client.post(download.group(1), data={"csrf_token": token, "plate": plate})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert pdf.content.startswith(b"%PDF")
    wrong = await client.post(download.group(1), data={"csrf_token": token, "plate": "ZZZ999"})
    assert wrong.status_code == 404

    again = await pay_notice(client, number, plate)
    assert again.status_code == 409
    text = page_text(again)
    assert "Cet avis est déjà payé : aucun montant n'a été porté à votre carte." in text
    assert "<iframe" not in again.text  # no card form for a paid notice
    await client.get(f"{CLAIMS}?lang=en")
    paid_en = page_text(await pay_notice(client, number, plate))
    assert "This notice is already paid: your card was not charged." in paid_en
    looked_up = page_text(await find_notice(client, number, plate))
    assert "Paid" in looked_up


async def test_the_receipt_is_emailed_in_the_page_language(
    client: httpx.AsyncClient,
    console: httpx.AsyncClient,
    smtp: SmtpServer,
    worker: Worker,
) -> None:
    number, plate = new_number(), new_plate()
    assert (await issue_notice(console, number, plate)).status_code == 303
    await client.get(f"{CLAIMS}?lang=en")
    address = f"payeur-{uuid.uuid4().hex[:10]}@example.org"
    paid = await pay_notice(client, number, plate, email=address)
    assert paid.status_code == 200, paid.text
    assert "A receipt was sent to your email address." in page_text(paid)
    [message] = await smtp.wait_for(address)
    text = message.details.text
    assert text.index("Nous avons bien reçu") < text.index("We received your payment")
    assert number in text
    assert [p.content_type for p in message.details.attachments] == ["application/pdf"]


async def test_no_email_no_receipt_sentence(
    client: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, plate = notice
    paid = await pay_notice(client, number, plate)
    assert paid.status_code == 200, paid.text
    receipt = page_text(paid)
    assert "Numéro de reçu" in receipt
    assert "Un reçu a été envoyé" not in receipt


async def test_a_wrong_plate_finds_nothing(
    client: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, _ = notice
    missing = await find_notice(client, number, "ZZZ999")
    assert missing.status_code == 404
    text = page_text(missing)
    assert "Aucun avis ne correspond à ce numéro et à ce numéro d'immatriculation." in text
    assert f'value="{number}"' in missing.text  # the form kept what was typed
    empty = await find_notice(client, "", "")
    assert empty.status_code == 422
    assert field_error(page_text(empty), "number") == "Champ requis."


async def test_a_declined_card_charges_nothing(
    client: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, plate = notice
    declined = await pay_notice(client, number, plate, card=DECLINED)
    assert declined.status_code == 402
    text = page_text(declined)
    assert field_error(text, "card") == "La carte a été refusée; essayez une autre carte."
    assert "aucun montant n'a été porté à votre carte" in text
    assert 'value="Marie Tremblay"' in declined.text  # the holder's name is kept
    assert "À payer" in page_text(await find_notice(client, number, plate))

    no_card = await pay_notice(client, number, plate, card_token="")
    assert no_card.status_code == 422
    expected = "Saisissez la carte dans le cadre « Carte de crédit »."
    assert field_error(page_text(no_card), "card") == expected
    numbered = await pay_notice(client, number, plate, card_number="4242424242424242")
    assert numbered.status_code == 422 and "« card_number »" in page_text(numbered)
    assert "À payer" in page_text(await find_notice(client, number, plate))


async def test_my_notices_list_those_on_my_plates(
    client: httpx.AsyncClient,
    user: Account,
    console: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    subscriptions_http: httpx.AsyncClient,
    database_urls: dict[str, str],
) -> None:
    await login(client, user.email)
    plate = new_plate()
    assert (await add_vehicle(client, plate, "/parametres/vehicules")).status_code == 303
    # the plate on a running subscription of theirs: its notices are theirs from then on
    token = (await api_login(identity, user.email))["access_token"]
    vehicles = (await subscriptions_http.get("/v1/vehicles", headers=bearer(token))).json()
    vehicle_ids = tuple(str(v["id"]) for v in vehicles)
    await add_active_subscription(database_urls["subscriptions"], user.id, vehicle_ids)
    number, other = new_number(), new_number()
    assert (await issue_notice(console, number, plate, "12,34")).status_code == 303
    assert (await issue_notice(console, other, new_plate())).status_code == 303

    mine = await client.get(f"{CLAIMS}/mes-avis")
    assert mine.status_code == 200
    text = page_text(mine)
    assert "Mes avis de réclamation" in text
    assert number in text and "12,34 $" in text and other not in text

    token = await csrf(client, f"{CLAIMS}/mes-avis")
    chosen = await client.post(CLAIMS, data={"csrf_token": token, "number": number, "plate": plate})
    assert chosen.status_code == 200
    assert '<iframe id="f-card"' in chosen.text and "Payer 12,34 $" in page_text(chosen)
    assert (await pay_notice(client, number, plate)).status_code == 200
    assert "Payé" in page_text(await client.get(f"{CLAIMS}/mes-avis"))


async def test_my_notices_need_a_session(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{CLAIMS}/mes-avis")
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion"


# 3-D Secure ------------------------------------------------------------------------------------

CHALLENGE_CARD = "4000002760003184"  # the sandbox's 3-D Secure card (Stripe's test number)


@pytest.fixture
async def bank(payments_settings: PaymentsSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox issuer's challenge page (the hosted card app, on the payments database)."""
    settings = HostedCardSettings(database_url=payments_settings.database_url)
    app = create_hosted_card(settings, PlatformSettings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8005") as c:
            yield c


async def _to_the_bank(client: httpx.AsyncClient, number: str, plate: str) -> str:
    """Pay with the challenge card: the page sends the browser to the bank's challenge."""
    page = await pay_notice(client, number, plate, CHALLENGE_CARD)
    assert page.status_code == 200, page.text
    assert "Authentification 3-D Secure" in page_text(page)
    refresh = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page.text)
    assert refresh, page.text
    action = refresh.group(1).replace("&amp;", "&")
    assert f'href="{refresh.group(1)}"' in page.text  # the same place, as a link
    assert action.startswith("http://localhost:8005/3ds/")
    return action.removeprefix("http://localhost:8005")


async def _back_from_the_bank(
    client: httpx.AsyncClient, bank: httpx.AsyncClient, path: str, decision: str
) -> httpx.Response:
    answered = await bank.post(path, data={"decision": decision})
    assert answered.status_code == 303
    back = urlsplit(answered.headers["location"])
    assert back.path == f"{CLAIMS}/retour" and back.query.startswith("paiement=")
    return await client.get(f"{back.path}?{back.query}")


async def test_a_3ds_payment_goes_to_the_bank_and_back_to_the_receipt(
    client: httpx.AsyncClient, bank: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, plate = notice
    path = await _to_the_bank(client, number, plate)
    assert "À payer" in page_text(await find_notice(client, number, plate))  # not paid yet
    back = await _back_from_the_bank(client, bank, path, "authorize")
    assert back.status_code == 200, back.text
    text = page_text(back)
    assert "Paiement reçu" in text and number in text and "45,00 $" in text
    assert f'name="plate" value="{plate}"' in back.text  # the PDF, from the session's plate
    assert plate not in str(back.request.url)
    assert "Payé" in page_text(await find_notice(client, number, plate))


async def test_a_refused_3ds_shows_the_notice_again_nothing_charged(
    client: httpx.AsyncClient, bank: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, plate = notice
    path = await _to_the_bank(client, number, plate)
    back = await _back_from_the_bank(client, bank, path, "refuse")
    assert back.status_code == 402
    text = page_text(back)
    assert "Le paiement n'a pas été effectué : aucun montant n'a été porté à votre carte." in text
    assert number in text and 'name="card_token"' in back.text  # the card form again
    paid = await pay_notice(client, number, plate)
    assert paid.status_code == 200 and "Paiement reçu" in page_text(paid)


async def test_a_second_payer_during_3ds_is_told_a_payment_is_under_way(
    client: httpx.AsyncClient, web_app: FastAPI, notice: tuple[str, str]
) -> None:
    number, plate = notice
    await _to_the_bank(client, number, plate)
    async with browser(web_app, "10.253.0.7") as other:
        refused = await pay_notice(other, number, plate)
    assert refused.status_code == 409
    assert "Un paiement de cet avis est déjà en cours" in page_text(refused)


async def test_a_return_with_an_unknown_payment_finds_nothing(client: httpx.AsyncClient) -> None:
    for query in ("?paiement=nope-not-a-payment", "?paiement=../x", ""):
        answer = await client.get(f"{CLAIMS}/retour{query}")
        assert answer.status_code == 404, query
        assert "Cherchez l'avis de nouveau" in page_text(answer)


async def test_back_before_answering_the_bank_goes_to_the_bank_again(
    client: httpx.AsyncClient, web_app: FastAPI, notice: tuple[str, str]
) -> None:
    number, plate = notice
    path = await _to_the_bank(client, number, plate)
    payments_app = _app_of(web_app.state.payments.http)
    async with payments_app.state.sessionmaker() as session:
        payment_id = await session.scalar(
            select(ClaimPayment.id).where(ClaimPayment.gateway_reference == path.split("/")[-1])
        )
    back = await client.get(f"{CLAIMS}/retour?paiement={payment_id}")
    assert back.status_code == 200
    assert "Authentification 3-D Secure" in page_text(back)
    assert f'content="0;url=http://localhost:8005{path}"' in back.text


async def test_a_reloaded_return_page_shows_the_same_receipt(
    client: httpx.AsyncClient, bank: httpx.AsyncClient, notice: tuple[str, str]
) -> None:
    number, plate = notice
    path = await _to_the_bank(client, number, plate)
    answered = await bank.post(path, data={"decision": "authorize"})
    back = urlsplit(answered.headers["location"])
    first = await client.get(f"{back.path}?{back.query}")
    assert first.status_code == 200 and "Paiement reçu" in page_text(first)
    again = await client.get(f"{back.path}?{back.query}")  # reloaded: the same receipt
    assert again.status_code == 200 and "Paiement reçu" in page_text(again)
    receipt = re.compile(r"Numéro de reçu</dt><dd>(RA-[\w-]+)</dd>")
    numbers = receipt.findall(page_text(first))
    assert numbers and numbers == receipt.findall(page_text(again))
    assert number in page_text(again)
