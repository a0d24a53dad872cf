"""The operators' payment views on the real services: an account's billing (Solde, invoices,
methods) with manual payments and credits, and claim notices issued one by one or from a CSV."""

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from tests.support.mail import SmtpServer
from tests.support.specimen_files import PDF
from tests.web.billing_support import paid_invoice
from tests.web.claims_support import (
    OPERATOR_CLAIMS,
    find_notice,
    issue_notice,
    new_number,
    new_plate,
    operator_browser,
    page_text,
)
from tests.web.subscriptions_support import (
    make_catalog,
    make_operator,
    operator_token,
    request_subscription,
)
from tests.web.support import Account, api_login, csrf, field_error, login

ACCOUNTS = "/console-operateur/comptes"


@pytest.fixture
async def agent(
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    subscriptions_app: FastAPI,
) -> Account:
    return await make_operator(identity, smtp, identity_settings)


@pytest.fixture
async def console(web_app: FastAPI, agent: Account) -> AsyncIterator[httpx.AsyncClient]:
    async with operator_browser(web_app, agent) as browser:
        yield browser


def balance_of(page: str) -> str:
    match = re.search(r'id="balance">([^<]+)<', page)
    assert match, page[-2000:]
    return match.group(1)


async def adjust(
    console: httpx.AsyncClient, account_id: str, kind: str, amount: str, reason: str
) -> httpx.Response:
    billing = f"{ACCOUNTS}/{account_id}/facturation"
    data = {
        "csrf_token": await csrf(console, billing),
        "kind": kind,
        "amount": amount,
        "reason": reason,
    }
    return await console.post(f"{ACCOUNTS}/{account_id}/ajustements", data=data)


async def test_a_credit_with_its_reason_changes_the_balance(
    console: httpx.AsyncClient, user: Account
) -> None:
    billing = f"{ACCOUNTS}/{user.id}/facturation"
    page = page_text(await console.get(billing))
    assert "Facturation du compte" in page and "Solde" in page
    assert balance_of(page) == "0,00 $"
    assert "Aucune méthode de paiement au dossier." in page and "Aucune facture." in page

    recorded = await adjust(console, user.id, "credit", "12,50", "Geste commercial")
    assert recorded.status_code == 303, recorded.text
    assert recorded.headers["location"] == billing
    page = page_text(await console.get(billing))
    assert "L'ajustement a été enregistré." in page
    assert balance_of(page) == "-12,50 $"
    assert "Geste commercial" in page and "Crédit" in page

    english = page_text(await console.get(f"{billing}?lang=en"))
    assert "Balance" in english and balance_of(english) == "-$12.50"


async def test_the_reason_is_mandatory(console: httpx.AsyncClient, user: Account) -> None:
    refused = await adjust(console, user.id, "payment", "20", "   ")
    assert refused.status_code == 422
    text = page_text(refused)
    assert field_error(text, "reason") == "Indiquez la raison."
    assert 'value="20"' in refused.text  # what was typed is kept
    assert balance_of(text) == "0,00 $"
    bad_amount = await adjust(console, user.id, "payment", "douze", "Chèque reçu")
    assert bad_amount.status_code == 422
    assert field_error(page_text(bad_amount), "amount")
    assert "Chèque reçu" in page_text(bad_amount)


async def test_the_billing_page_is_linked_from_the_request(
    console: httpx.AsyncClient,
    client: httpx.AsyncClient,
    user: Account,
    agent: Account,
    identity: httpx.AsyncClient,
    subscriptions_app: FastAPI,
    platform_settings: PlatformSettings,
) -> None:
    transport = httpx.ASGITransport(app=subscriptions_app)
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.subscriptions_url
    ) as api:
        catalog = await make_catalog(api, await operator_token(identity, agent))
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, new_plate())
    detail = (await console.get(f"/console-operateur/demandes/{subscription_id}")).text
    assert f'href="{ACCOUNTS}/{user.id}/facturation"' in detail
    console_page = (await console.get("/console-operateur")).text
    assert f'href="{OPERATOR_CLAIMS}"' in console_page


async def test_a_regular_account_is_refused(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    assert (await client.get(f"{ACCOUNTS}/{user.id}/facturation")).status_code == 403
    assert (await client.get(OPERATOR_CLAIMS)).status_code == 403
    token = await csrf(client, "/parametres")
    credit = await client.post(
        f"{ACCOUNTS}/{user.id}/ajustements",
        data={"csrf_token": token, "kind": "credit", "amount": "100", "reason": "Moi-même"},
    )
    assert credit.status_code == 403
    notice = await client.post(
        OPERATOR_CLAIMS,
        data={"csrf_token": token, "number": new_number(), "plate": "ABC123"},
    )
    assert notice.status_code == 403
    csv = b"number,plate,site_id,issued_on,amount_cents,due_on\n"
    imported = await client.post(
        f"{OPERATOR_CLAIMS}/import",
        data={"csrf_token": token},
        files={"file": ("avis.csv", csv, "text/csv")},
    )
    assert imported.status_code == 403


async def test_the_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in [OPERATOR_CLAIMS, f"{ACCOUNTS}/abc/facturation"]:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/connexion"


async def test_a_new_notice_is_listed_after_creer_l_avis(console: httpx.AsyncClient) -> None:
    number, plate = new_number(), new_plate()
    created = await issue_notice(console, number, plate, "12,34")
    assert created.status_code == 303
    page = page_text(await console.get(created.headers["location"]))
    assert "Derniers avis émis" in page
    row = re.search(rf"<tr>\s*<td[^>]*>{number}</td>.*?</tr>", page, flags=re.DOTALL)
    assert row, page[-3000:]
    assert plate in row.group(0) and "12,34 $" in row.group(0) and "À payer" in row.group(0)


async def test_notice_form_errors(console: httpx.AsyncClient) -> None:
    number, plate = new_number(), new_plate()
    assert (await issue_notice(console, number, plate)).status_code == 303
    taken = await issue_notice(console, number, new_plate())
    assert taken.status_code == 409
    assert field_error(page_text(taken), "number") == "Un avis porte déjà ce numéro."
    bad = await issue_notice(console, new_number(), "!!", amount="gratuit")
    assert bad.status_code == 422
    assert field_error(page_text(bad), "amount")


async def test_csv_import_reports_each_bad_line_and_imports_nothing(
    console: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    good, bad, plate = new_number(), new_number(), new_plate()
    csv = (
        "number,plate,site_id,issued_on,amount_cents,due_on\n"
        f"{good},{plate},1534,2025-01-10,4500,2025-02-10\n"
        f"{bad},{plate},1534,2025-01-10,abc,2025-02-10\n"
    ).encode()
    token = await csrf(console, OPERATOR_CLAIMS)
    refused = await console.post(
        f"{OPERATOR_CLAIMS}/import",
        data={"csrf_token": token},
        files={"file": ("avis.csv", csv, "text/csv")},
    )
    assert refused.status_code == 422
    text = page_text(refused)
    assert "Aucun avis n'a été importé" in text
    row = re.search(r"<tr><td[^>]*>(\d+)</td><td[^>]*>(\w+)</td><td[^>]*>([^<]+)</td></tr>", text)
    assert row and row.groups() == ("3", "amount_cents", "Nombre entier attendu."), text[-2000:]
    assert (await find_notice(client, good, plate)).status_code == 404

    fixed = csv.replace(b",abc,", b",4600,")
    imported = await console.post(
        f"{OPERATOR_CLAIMS}/import",
        data={"csrf_token": token},
        files={"file": ("avis.csv", fixed, "text/csv")},
    )
    assert imported.status_code == 200, imported.text
    assert "2 avis importé(s)." in page_text(imported)
    assert "46,00 $" in page_text(await find_notice(client, bad, plate))

    no_file = await console.post(f"{OPERATOR_CLAIMS}/import", data={"csrf_token": token})
    assert no_file.status_code == 422
    assert field_error(page_text(no_file), "file") == "Choisissez un fichier CSV."


async def test_the_operator_sees_the_accounts_invoices_with_their_taxes_and_pdfs(
    console: httpx.AsyncClient,
    user: Account,
    identity: httpx.AsyncClient,
    payments_http: httpx.AsyncClient,
    platform_settings: PlatformSettings,
) -> None:
    token = str((await api_login(identity, user.email))["access_token"])
    charged = await paid_invoice(payments_http, token, user, platform_settings)

    page = page_text(await console.get(f"{ACCOUNTS}/{user.id}/facturation"))
    for shown in ("65,00 $", "56,53 $", "2,83 $", "5,64 $", "Payée", "1er mars 2028"):
        assert shown in page, shown
    assert "Carte de crédit •••• 4242" in page
    links = re.findall(rf'href="({ACCOUNTS}/{user.id}/(?:factures|recus)/[^"]+/pdf)"', page)
    assert len(links) == 2
    for link in links:
        pdf = await console.get(link)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), link
        assert pdf.headers["content-disposition"].startswith("attachment;")
    elsewhere = await console.get(f"{ACCOUNTS}/{uuid.uuid4()}/factures/{charged['invoice_id']}/pdf")
    assert elsewhere.status_code == 404  # only an invoice of the account named


async def test_the_operator_downloads_a_bank_accounts_cheque_specimen(
    console: httpx.AsyncClient,
    client: httpx.AsyncClient,
    user: Account,
    identity: httpx.AsyncClient,
    payments_http: httpx.AsyncClient,
) -> None:
    token = str((await api_login(identity, user.email))["access_token"])
    specimen = PDF
    form = {
        "holder_name": "Marie Tremblay",
        "institution": "815",
        "transit": "30000",
        "account": "1234567",
        "payer_type": "personal",
        "agreement_accepted": "true",
        "agreement_version": "2026-01",
    }
    added = await payments_http.post(
        "/v1/payment-methods/pad",
        data=form,
        files={"specimen": ("cheque.pdf", specimen, "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert added.status_code == 201, added.text
    page = (await console.get(f"{ACCOUNTS}/{user.id}/facturation")).text
    [link] = re.findall(rf'href="({ACCOUNTS}/{user.id}/methodes/[^"]+/specimen)"', page)

    downloaded = await console.get(link)

    assert downloaded.status_code == 200 and downloaded.content == specimen
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    await login(client, user.email)  # the account holder is no operator
    assert (await client.get(link)).status_code == 403
