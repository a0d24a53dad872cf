"""Step 5 "Ajouter une carte de crédit", the payment parts of "Détails de l'abonnement", "Mettre à
jour la carte de crédit" and "Factures et reçus", through the web app with the real identity,
subscriptions and payments apps."""

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from servicekit.money import back_out_taxes, format_cents, prorate
from servicekit.settings import PlatformSettings
from tests.support.specimen_files import PDF
from tests.web.billing_support import paid_invoice
from tests.web.subscriptions_support import (
    Catalog,
    add_vehicle,
    choose_offering,
    current_step,
    request_subscription,
    text_of,
    today,
    vehicle_ids,
)
from tests.web.support import (
    Account,
    api_login,
    bearer,
    csrf,
    field_error,
    hosted_card_token,
    login,
)

STEP5 = "/ajouter-un-abonnement/paiement"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
async def pay_api(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.payments_url
    ) as api:
        yield api


async def token_of(identity: httpx.AsyncClient, user: Account) -> str:
    return str((await api_login(identity, user.email))["access_token"])


async def methods_of(pay_api: httpx.AsyncClient, token: str) -> list[dict[str, object]]:
    response = await pay_api.get("/v1/payment-methods", headers=bearer(token))
    assert response.status_code == 200, response.text
    return list(response.json())


async def subscriptions_of(subs_api: httpx.AsyncClient, token: str) -> list[dict[str, object]]:
    response = await subs_api.get("/v1/subscriptions", headers=bearer(token))
    assert response.status_code == 200, response.text
    return list(response.json())


async def to_step5(
    client: httpx.AsyncClient, catalog: Catalog, user: Account, offering_id: int | None = None
) -> httpx.Response:
    """Steps 1 to 4 of a request; the answer to "Transmettre ma demande"."""
    await login(client, user.email)
    chosen = await choose_offering(
        client, catalog.site_id, catalog.category_id, offering_id or catalog.pad_id
    )
    assert chosen.status_code == 303, chosen.text
    await add_vehicle(client, f"P{user.id[:5].upper()}")
    page = (await client.get("/ajouter-un-abonnement/vehicules")).text
    token = await csrf(client, "/ajouter-un-abonnement/vehicules")
    await client.post(
        "/ajouter-un-abonnement/vehicules",
        data={"csrf_token": token, "vehicle_ids": vehicle_ids(page)[:1]},
    )
    await client.post(
        "/ajouter-un-abonnement/informations",
        data={"csrf_token": token, "employee_number": "E-20431"},
    )
    return await client.post("/ajouter-un-abonnement/recapitulatif", data={"csrf_token": token})


async def card_form(
    client: httpx.AsyncClient, token: str, number: str = "4242424242424242", **changes: str
) -> dict[str, str]:
    """Step 5's card form as the page posts it: the holder, the token the card frame handed
    over, the consent."""
    return {
        "csrf_token": token,
        "holder_name": "Marie Tremblay",
        "card_token": await hosted_card_token(client, number),
        "card_consent": "yes",
    } | changes


async def update_form(client: httpx.AsyncClient, token: str, number: str) -> dict[str, str]:
    """« Mettre à jour la carte de crédit »: the same without the consent box."""
    form = await card_form(client, token, number)
    del form["card_consent"]
    return form


async def pay_by_card(
    client: httpx.AsyncClient, number: str = "4242424242424242"
) -> httpx.Response:
    token = await csrf(client, STEP5)
    return await client.post(f"{STEP5}/carte", data=await card_form(client, token, number))


def pad_form(token: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "holder_name": "Marie Tremblay",
        "institution": "815",
        "transit": "30000",
        "account": "1234567",
        "payer_type": "personal",
        "agreement_accepted": "true",
        "agreement_version": "2026-01",
    }


async def test_a_pad_offering_goes_to_step_5_with_the_prorated_first_period(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    sent = await to_step5(client, catalog, user)
    assert sent.status_code == 303 and sent.headers["location"] == STEP5
    page = text_of((await client.get(STEP5)).text)
    assert current_step(page) == (5, "Paiement", 5)  # the guide's step 5, after 4 (summary)
    for label in [
        "Ajouter une carte de crédit",
        "ÉTAPE 5 DE 5",
        "Annuler la demande",
        "VOTRE ABONNEMENT",
        "Stationnement ou organisme",
        "Service",
        "Mensualité du service",
        "Prix pour la période en cours",
        "1. Sélectionnez votre méthode de paiement",
        "Carte de crédit",
        "Prélèvement pré-auto.",
        "2. Rajoutez vos informations bancaires",
        "Détails du compte",
        "Nom du titulaire",
        "Soumettre",
        "Annuler",
    ]:
        assert label in page, label
    # « No. de carte », « Date d'expiration »: in the processor's hosted page, framed here
    html = (await client.get(STEP5)).text
    assert re.search(r'<iframe id="f-card"[^>]* src="http://[^"]+/card\?lang=fr"', html)
    assert 'name="card_token"' in html and 'name="number"' not in html
    first = prorate(4200, today())
    taxes = back_out_taxes(first)
    assert "42,00 $" in page
    assert format_cents(first) in page
    assert f'TPS (5 %)</dt><dd class="money">{format_cents(taxes.gst_cents)}' in page
    assert f'TVQ (9,975 %)</dt><dd class="money">{format_cents(taxes.qst_cents)}' in page

    debit = text_of((await client.get(f"{STEP5}?methode=pad")).text)
    for label in [
        "Numéro de l'institution",
        "Numéro de transit",
        "Numéro de compte",
        "Parcourir",
        'type="file"',
        "Accord de prélèvement préautorisé (DPA) — version 2026-01",
        'name="agreement_version" value="2026-01"',
        "Ajouter",
        "Obtenir de l'aide",
        "<svg",
        "Adresse de l'institution financière",
        "Chiffre vérificateur",
    ]:
        assert label in debit, label
    english = text_of((await client.get(f"{STEP5}?methode=pad&lang=en")).text)
    assert "Add a credit card" in english and "Browse" in english and "Check digit" in english


async def test_a_card_pays_the_request_and_shows_on_its_details(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    await to_step5(client, catalog, user)
    paid = await pay_by_card(client)
    assert paid.status_code == 303, paid.text
    assert paid.headers["location"].startswith("/mon-abonnement/")
    page = text_of((await client.get(paid.headers["location"])).text)
    assert "Votre demande d'abonnement a été transmise." in page
    assert "Méthode de paiement" in page and "Carte de crédit Visa •••• 4242" in page
    assert "Solde" in page and "0,00 $" in page
    assert "Mettre à jour la carte de crédit" in page
    assert "/mon-abonnement/factures" in page
    token = await token_of(identity, user)
    [method] = await methods_of(pay_api, token)
    [sub] = await subscriptions_of(subs_api, token)
    assert sub["payment_method_id"] == method["id"] and method["last4"] == "4242"
    assert (await client.get(STEP5)).headers["location"] == "/ajouter-un-abonnement"  # no draft


async def test_a_card_declined_at_tokenisation_shows_the_error_and_creates_nothing(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    await to_step5(client, catalog, user)
    refused = await pay_by_card(client, "4000000000000002")
    assert refused.status_code == 402
    assert field_error(refused.text, "card") == "La carte a été refusée; essayez une autre carte."
    assert 'value="Marie Tremblay"' in refused.text
    token = await token_of(identity, user)
    assert await methods_of(pay_api, token) == []
    assert await subscriptions_of(subs_api, token) == []

    missing = await client.post(
        f"{STEP5}/carte",
        data=await card_form(client, await csrf(client, STEP5), card_token=""),
    )
    assert missing.status_code == 422
    expected = "Saisissez la carte dans le cadre « Carte de crédit »."
    assert field_error(missing.text, "card") == expected
    numbered = await card_form(client, await csrf(client, STEP5)) | {"number": "4242424242424242"}
    refused_number = await client.post(f"{STEP5}/carte", data=numbered)
    assert refused_number.status_code == 422 and "« number »" in text_of(refused_number.text)


async def test_a_bank_account_with_a_pdf_specimen_pays_the_request(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    await to_step5(client, catalog, user)
    token = await csrf(client, f"{STEP5}?methode=pad")
    added = await client.post(
        f"{STEP5}/pad",
        data=pad_form(token),
        files={"specimen": ("cheque.pdf", PDF, "application/pdf")},
    )
    assert added.status_code == 303, added.text
    page = text_of((await client.get(added.headers["location"])).text)
    assert "Prélèvement pré-autorisé •••• 4567" in page
    assert "Mettre à jour la carte de crédit" not in page
    api_token = await token_of(identity, user)
    [method] = await methods_of(pay_api, api_token)
    assert method["kind"] == "pad" and method["has_specimen"] is True
    assert method["agreement"]["version"] == "2026-01"  # type: ignore[index]
    [sub] = await subscriptions_of(subs_api, api_token)
    assert sub["payment_method_id"] == method["id"]


async def test_a_renamed_executable_is_refused_as_specimen(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    await to_step5(client, catalog, user)
    token = await csrf(client, f"{STEP5}?methode=pad")
    refused = await client.post(
        f"{STEP5}/pad",
        data=pad_form(token),
        files={"specimen": ("cheque.pdf", EXECUTABLE, "application/pdf")},
    )
    assert refused.status_code == 422
    assert (
        field_error(refused.text, "specimen")
        == "Le spécimen doit être un fichier PDF, PNG ou JPEG."
    )
    assert 'value="30000"' in refused.text  # the rest of the form is kept
    api_token = await token_of(identity, user)
    assert await methods_of(pay_api, api_token) == []
    assert await subscriptions_of(subs_api, api_token) == []


async def test_a_payroll_offering_skips_step_5(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"D{user.id[:5].upper()}")
    page = text_of((await client.get(f"/mon-abonnement/{subscription_id}")).text)
    assert "Déduction à la source" in page and "Mettre à jour la carte de crédit" not in page


async def test_annuler_la_demande_forgets_the_draft(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
) -> None:
    await to_step5(client, catalog, user)
    token = await csrf(client, STEP5)
    abandoned = await client.post("/ajouter-un-abonnement/abandon", data={"csrf_token": token})
    assert abandoned.status_code == 303 and abandoned.headers["location"] == "/mon-abonnement"
    again = await client.get(STEP5)
    assert again.status_code == 303 and again.headers["location"] == "/ajouter-un-abonnement"
    assert await subscriptions_of(subs_api, await token_of(identity, user)) == []


async def test_the_card_update_page_replaces_the_card(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    await to_step5(client, catalog, user)
    detail = (await pay_by_card(client)).headers["location"]
    page = text_of((await client.get(f"{detail}/carte")).text)
    assert "Mettre à jour la carte de crédit" in page and "•••• 4242" in page
    token = await csrf(client, f"{detail}/carte")
    updated = await client.post(
        f"{detail}/carte", data=await update_form(client, token, "5555555555554444")
    )
    assert updated.status_code == 303 and updated.headers["location"] == detail
    after = text_of((await client.get(detail)).text)
    assert "Votre carte de crédit a été mise à jour." in after
    assert "Carte de crédit Mastercard •••• 4444" in after
    [method] = await methods_of(pay_api, await token_of(identity, user))
    assert method["last4"] == "4444"

    expired = await client.post(
        f"{detail}/carte", data=await update_form(client, token, "4000000000000069")
    )
    assert expired.status_code == 422
    assert field_error(expired.text, "card") == "La carte est expirée."


async def test_invoices_are_listed_and_their_pdfs_download(
    client: httpx.AsyncClient,
    user: Account,
    identity: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
    platform_settings: PlatformSettings,
) -> None:
    await paid_invoice(pay_api, await token_of(identity, user), user, platform_settings)
    await login(client, user.email)
    page = text_of((await client.get("/mon-abonnement/factures")).text)
    assert "Factures et reçus" in page and "Solde" in page
    for amount in ("65,00 $", "56,53 $", "2,83 $", "5,64 $", "Payée"):
        assert amount in page, amount
    assert "1er mars 2028" in page
    links = re.findall(r'href="(/mon-abonnement/(?:factures|recus)/[^"]+/pdf)"', page)
    assert len(links) == 2
    for link in links:
        pdf = await client.get(link)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("attachment;")
    missing = await client.get(f"/mon-abonnement/factures/{uuid.uuid4()}/pdf")
    assert missing.status_code == 404


async def test_a_subscription_in_arrears_says_so_and_links_to_the_card_update(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    subs_api: httpx.AsyncClient,
    platform_settings: PlatformSettings,
) -> None:
    await to_step5(client, catalog, user)
    detail = (await pay_by_card(client)).headers["location"]
    subscription_id = detail.rsplit("/", 1)[1]
    internal = {"X-Service-Token": platform_settings.service_token}
    for action in ("approve", "fall_into_arrears"):
        moved = await subs_api.post(
            f"/internal/v1/subscriptions/{subscription_id}/transitions",
            json={"action": action, "actor": "system", "idempotency_key": uuid.uuid4().hex},
            headers=internal,
        )
        assert moved.status_code == 200, moved.text
    page = text_of((await client.get(detail)).text)
    alert = page[page.index('class="alert alert-error alert-arrears"') :]
    assert "En retard de paiement" in alert[:200]
    assert "Mettez à jour votre carte de crédit" in alert
    assert f'href="{detail}/carte"' in alert
    assert 'status-in_arrears">En retard de paiement' in page
    english = text_of((await client.get(f"{detail}?lang=en")).text)
    assert "In arrears" in english and "Update the credit card" in english
