"""The operator console on the real services and workflow: queue, detail, refusal, approval, search;
then the user's active subscription, contract, cancellation at a date and modification."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.web.subscriptions_support import (
    Catalog,
    add_vehicle,
    in_days,
    make_catalog,
    make_operator,
    operator_token,
    request_subscription,
    text_of,
    today,
    vehicle_ids,
    wait_for_page,
)
from tests.web.support import Account, csrf, field_error, login, open_account, sample_profile
from web.i18n import long_date

CONSOLE = "/console-operateur"


@pytest.fixture
async def agent(
    identity: httpx.AsyncClient, smtp: SmtpServer, identity_settings: IdentitySettings
) -> Account:
    return await make_operator(identity, smtp, identity_settings)


@pytest.fixture
async def catalog(
    subs_api: httpx.AsyncClient, identity: httpx.AsyncClient, agent: Account, worker: object
) -> Catalog:
    return await make_catalog(subs_api, await operator_token(identity, agent))


@pytest.fixture
async def console(web_app: FastAPI, agent: Account) -> AsyncIterator[httpx.AsyncClient]:
    """The operator's browser (its own address)."""
    transport = httpx.ASGITransport(app=web_app, client=("10.251.7.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as browser:
        await login(browser, agent.email)
        yield browser


def contract_number(page: str) -> str:
    match = re.search(r"Numéro de contrat</dt><dd>(\d{8})</dd>", page)
    assert match, page[-2000:]
    return match.group(1)


async def test_a_regular_user_cannot_open_the_console(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"V{user.id[:5].upper()}")
    assert (await client.get(CONSOLE)).status_code == 403
    assert (await client.get(f"{CONSOLE}/demandes/{subscription_id}")).status_code == 403
    assert (await client.get(f"{CONSOLE}/recherche?q=ABC")).status_code == 403
    token = await csrf(client, "/parametres")
    decided = await client.post(
        f"{CONSOLE}/demandes/{subscription_id}/decision",
        data={"csrf_token": token, "decision": "approve"},
    )
    assert decided.status_code == 403


async def test_queue_detail_refusal_with_a_reason(
    client: httpx.AsyncClient,
    console: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    web_app: FastAPI,
) -> None:
    await login(client, user.email)
    plate = f"W{user.id[:5].upper()}"
    subscription_id = await request_subscription(client, catalog, plate)
    number = contract_number(text_of((await client.get(f"/mon-abonnement/{subscription_id}")).text))

    queue = text_of((await console.get(f"{CONSOLE}?site_id={catalog.site_id}")).text)
    assert "Demandes en attente" in queue
    assert f'href="{CONSOLE}/demandes/{subscription_id}">{number}<' in queue
    assert plate in queue and "E-20431" in queue
    other_site = text_of((await console.get(f"{CONSOLE}?site_id={catalog.plate_site_id}")).text)
    assert number not in other_site

    detail = text_of((await console.get(f"{CONSOLE}/demandes/{subscription_id}")).text)
    assert "Marie" in detail and "Tremblay" in detail and user.email in detail
    assert "E-20431" in detail and plate in detail
    # the Temporal UI on this origin, behind the operator's login (web/temporal_ui.py)
    link = f'href="/temporal/namespaces/default/workflows/subscription-{subscription_id}"'
    assert link in detail
    assert "Approuver" in detail and "Refuser" in detail and "Historique" in detail

    token = await csrf(console, CONSOLE)
    no_reason = await console.post(
        f"{CONSOLE}/demandes/{subscription_id}/decision",
        data={"csrf_token": token, "decision": "refuse", "reason": ""},
    )
    assert no_reason.status_code == 422
    assert field_error(text_of(no_reason.text), "reason") == "Indiquez le motif du refus."
    refused = await console.post(
        f"{CONSOLE}/demandes/{subscription_id}/decision",
        data={"csrf_token": token, "decision": "refuse", "reason": "Aucune place de nuit."},
    )
    assert refused.status_code == 303, refused.text
    assert "La demande a été refusée." in text_of(
        (await console.get(refused.headers["location"])).text
    )

    mine = await wait_for_page(client, f"/mon-abonnement/{subscription_id}", "Refusée")
    assert "Aucune place de nuit." in mine
    queue = text_of((await console.get(f"{CONSOLE}?site_id={catalog.site_id}")).text)
    assert number not in queue


async def test_search_by_contract_number_plate_and_email(
    client: httpx.AsyncClient, console: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    plate = f"X{user.id[:5].upper()}"
    subscription_id = await request_subscription(client, catalog, plate)
    number = contract_number(text_of((await client.get(f"/mon-abonnement/{subscription_id}")).text))
    link = f'href="{CONSOLE}/demandes/{subscription_id}"'
    assert link in (await console.get(f"{CONSOLE}/recherche?q={number}")).text
    assert link in (await console.get(f"{CONSOLE}/recherche?q={plate.lower()}")).text
    nothing = text_of((await console.get(f"{CONSOLE}/recherche?q=00000000")).text)
    assert "Aucun résultat." in nothing
    unknown = text_of((await console.get(f"{CONSOLE}/recherche?q=nobody@example.org")).text)
    assert "Aucun compte ne correspond à cette adresse courriel." in unknown


async def test_search_by_email_finds_the_accounts_requests(
    client: httpx.AsyncClient,
    console: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    apps: dict[str, FastAPI],
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"Y{user.id[:5].upper()}")
    found = await console.get(f"{CONSOLE}/recherche?q={user.email.upper()}")
    assert f'href="{CONSOLE}/demandes/{subscription_id}"' in found.text


async def test_approval_contract_cancellation_at_a_date_and_its_withdrawal(
    client: httpx.AsyncClient, console: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"Z{user.id[:5].upper()}")
    mine = f"/mon-abonnement/{subscription_id}"

    token = await csrf(console, CONSOLE)
    approved = await console.post(
        f"{CONSOLE}/demandes/{subscription_id}/decision",
        data={"csrf_token": token, "decision": "approve"},
    )
    assert approved.status_code == 303, approved.text
    assert "La demande a été approuvée." in text_of(
        (await console.get(approved.headers["location"])).text
    )

    page = await wait_for_page(client, mine, "Télécharger mon contrat")
    assert "Actif" in page
    assert long_date(today().isoformat(), "fr") in page  # started today (requested today)
    assert "en attente d'approbation" not in page
    for link in ["Transmettre une demande de modification", "Transmettre une demande d'annulation"]:
        assert link in page, link
    pdf = await client.get(f"{mine}/contrat")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    # "Transmettre une demande d'annulation": the service, a date, the effective date, confirm
    form = text_of(
        (await client.get(f"/mon-abonnement/annulation?abonnement={subscription_id}")).text
    )
    assert "Choisissez le service à annuler" in form
    assert "1461 - Hôpital de Hull - Employé CISSSO (fin de l'abonnement: Indéterminé)" in form
    assert (
        "veuillez-vous référer à la clause d'annulation afin de respecter le délai prescrit."
        in form
    )
    assert "Envoyer la demande d'annulation" in form and "Revenir en arrière" in form
    token = await csrf(client, "/mon-abonnement/annulation")
    past = await client.post(
        "/mon-abonnement/annulation",
        data={"csrf_token": token, "subscription_id": subscription_id, "date": "2020-01-01"},
    )
    assert past.status_code == 422
    assert field_error(text_of(past.text), "date")
    chosen = in_days(5)
    preview = await client.post(
        "/mon-abonnement/annulation",
        data={"csrf_token": token, "subscription_id": subscription_id, "date": chosen.isoformat()},
    )
    assert preview.status_code == 200, preview.text
    effective = long_date(in_days(30).isoformat(), "fr")  # 30 days of notice
    assert f"Votre abonnement prendra fin le {effective}." in text_of(preview.text)
    assert "Confirmer la demande d'annulation" in text_of(preview.text)
    confirmed = await client.post(
        "/mon-abonnement/annulation",
        data={
            "csrf_token": token,
            "subscription_id": subscription_id,
            "date": chosen.isoformat(),
            "confirm": "yes",
        },
    )
    assert confirmed.headers["location"] == mine, confirmed.text
    page = await wait_for_page(client, mine, f"votre abonnement prendra fin le {effective}")
    assert "Votre demande d'annulation a été enregistrée." in page or "Retirer" in page
    assert "Retirer ma demande d'annulation" in page

    withdrawn = await client.post(
        f"{mine}/annulation/retrait", data={"csrf_token": await csrf(client, mine)}
    )
    assert withdrawn.headers["location"] == mine, withdrawn.text
    page = text_of((await client.get(mine)).text)
    assert "Votre demande d'annulation a été retirée" in page
    assert "Retirer ma demande d'annulation" not in page and "Indéterminée" in page

    # "Transmettre une demande de modification": a second vehicle, decided by the operator
    await add_vehicle(client, f"M{user.id[:5].upper()}", "/parametres/vehicules")
    form = text_of((await client.get(f"{mine}/modification")).text)
    assert "Transmettre une demande de modification" in form
    token = await csrf(client, f"{mine}/modification")
    unchanged = await client.post(
        f"{mine}/modification",
        data={
            "csrf_token": token,
            "offering_id": str(catalog.das_id),
            "vehicle_ids": vehicle_ids(form)[:1],
        },
    )
    assert unchanged.status_code == 422
    sent = await client.post(
        f"{mine}/modification",
        data={
            "csrf_token": token,
            "offering_id": str(catalog.das_id),
            "vehicle_ids": vehicle_ids(form),
        },
    )
    assert sent.headers["location"] == mine, sent.text
    page = text_of((await client.get(mine)).text)
    assert "Votre demande de modification a été transmise." in page
    assert "Une demande de modification de cet abonnement est en attente d'approbation." in page

    detail = text_of((await console.get(f"{CONSOLE}/demandes/{subscription_id}")).text)
    assert "Demande de modification" in detail
    modification_id = re.search(r'name="modification_id" value="([^"]+)"', detail)
    assert modification_id
    token = await csrf(console, CONSOLE)
    decided = await console.post(
        f"{CONSOLE}/demandes/{subscription_id}/decision",
        data={
            "csrf_token": token,
            "decision": "approve",
            "modification_id": modification_id.group(1),
        },
    )
    assert decided.status_code == 303, decided.text
    page = await wait_for_page(client, mine, f"M{user.id[:5].upper()}")
    assert "Une demande de modification de cet abonnement est en attente" not in page


async def test_an_operator_cancels_for_the_subscriber_and_withdraws_it(
    client: httpx.AsyncClient, console: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"C{user.id[:5].upper()}")
    detail = f"{CONSOLE}/demandes/{subscription_id}"
    token = await csrf(console, CONSOLE)
    await console.post(f"{detail}/decision", data={"csrf_token": token, "decision": "approve"})
    page = await wait_for_page(console, detail, "Annuler l'abonnement à cette date")
    assert "la clause d'annulation de son contrat s'applique" in page

    past = await console.post(
        f"{detail}/annulation", data={"csrf_token": token, "date": "2020-01-01"}
    )
    assert past.status_code == 422
    assert field_error(text_of(past.text), "cancel_date")
    cancelled = await console.post(
        f"{detail}/annulation", data={"csrf_token": token, "date": in_days(2).isoformat()}
    )
    assert cancelled.status_code == 303, cancelled.text
    page = text_of((await console.get(detail)).text)
    assert "L'annulation a été enregistrée; l'abonné en est avisé." in page
    # the notice clause (30 days) applies, and the history names an operator
    effective = long_date(in_days(30).isoformat(), "fr")
    assert f"L'abonnement prendra fin le {effective}." in page
    # the French page labels the history: no raw code (schedule_cancellation, operator)
    assert re.search(r"Demande d'annulation</td>.*?Opérateur</td>", page, re.DOTALL)
    assert "schedule_cancellation" not in page and "operator</td>" not in page
    assert effective in await wait_for_page(client, f"/mon-abonnement/{subscription_id}", effective)

    withdrawn = await console.post(f"{detail}/annulation/retrait", data={"csrf_token": token})
    assert withdrawn.status_code == 303, withdrawn.text
    page = text_of((await console.get(detail)).text)
    assert "L'annulation a été retirée; l'abonnement se poursuit." in page
    assert "Annuler l'abonnement à cette date" in page
    assert re.search(r"Retrait de l'annulation</td>.*?Opérateur</td>", page, re.DOTALL)
    assert "withdraw_cancellation" not in page

    # a subscriber cannot use the console's form
    mine = await csrf(client, f"/mon-abonnement/{subscription_id}")
    refused = await client.post(
        f"{detail}/annulation", data={"csrf_token": mine, "date": in_days(2).isoformat()}
    )
    assert refused.status_code == 403


async def test_the_requester_block_shows_every_phone_with_its_extension_and_line_2(
    client: httpx.AsyncClient,
    console: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    catalog: Catalog,
) -> None:
    profile = {k: v for k, v in sample_profile().items() if k != "mobile_phone"}
    profile |= {
        "address_line2": "Pavillon B",
        "home_phone": "819 555-0202",
        "home_phone_ext": "22",
        "work_phone": "819 555-0303",
        "work_phone_ext": "4321",
    }
    person = await open_account(identity, smtp, profile=profile)
    await login(client, person.email)
    subscription_id = await request_subscription(client, catalog, f"P{person.id[:5].upper()}")

    detail = text_of((await console.get(f"{CONSOLE}/demandes/{subscription_id}")).text)
    assert "<dt>Téléphone maison</dt><dd>819 555-0202 Ext. 22</dd>" in detail
    assert "<dt>Téléphone au travail</dt><dd>819 555-0303 Ext. 4321</dd>" in detail
    assert "Téléphone mobile" not in detail
    assert "<dt>Adresse ligne 2</dt><dd>Pavillon B</dd>" in detail


async def test_an_approval_form_sent_twice_is_one_approval_without_an_error(
    client: httpx.AsyncClient, console: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"K{user.id[:5].upper()}")
    detail = (await console.get(f"{CONSOLE}/demandes/{subscription_id}")).text
    [key] = set(re.findall(r'name="idempotency_key" value="([A-Za-z0-9_-]+)"', detail))
    token = await csrf(console, CONSOLE)
    form = {"csrf_token": token, "decision": "approve", "idempotency_key": key}

    # The browser resends the form: the connection dropped before the first answer arrived.
    for _ in range(2):
        answer = await console.post(f"{CONSOLE}/demandes/{subscription_id}/decision", data=form)
        assert answer.status_code == 303, answer.text
        page = text_of((await console.get(answer.headers["location"])).text)
        assert "La demande a été approuvée." in page
    # A new form (a new key) on a request already decided is still refused.
    other = {**form, "idempotency_key": "another-form-key"}
    late = await console.post(f"{CONSOLE}/demandes/{subscription_id}/decision", data=other)
    assert late.status_code == 409
