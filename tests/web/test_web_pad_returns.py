"""Returned debits in the web app, on the real services: the operator uploads the bank's
CPA-005 returns file in the console (applied once, refused whole naming the line), and the
subscriber whose account was closed sees the banner on the subscription's payment method."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from tests.payments.returns_files import debit_segments, returned, returns_file
from tests.support.mail import SmtpServer
from tests.support.specimen_files import PDF
from tests.web.claims_support import operator_browser, page_text
from tests.web.subscriptions_support import Catalog, make_operator
from tests.web.support import Account, csrf
from tests.web.test_web_payments import (
    STEP5,
    methods_of,
    pad_form,
    pay_api,
    subscriptions_of,
    to_step5,
    token_of,
)
from workflows.subscription.calendar import local_today

__all__ = ["pay_api"]  # the fixture, shared with the payments pages' tests
RETURNS = "/console-operateur/retours-de-prelevements"


@pytest.fixture
async def console(
    web_app: FastAPI,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    subscriptions_app: FastAPI,
) -> AsyncIterator[httpx.AsyncClient]:
    agent = await make_operator(identity, smtp, identity_settings)
    async with operator_browser(web_app, agent) as browser:
        yield browser


async def _debited_by_pad(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
    platform: PlatformSettings,
) -> tuple[str, str]:
    """A request paid by a bank account through step 5, debited once; (subscription, invoice
    number) and today's debit file holding that debit."""
    await to_step5(client, catalog, user)
    token = await csrf(client, f"{STEP5}?methode=pad")
    files = {"specimen": ("cheque.pdf", PDF, "application/pdf")}
    added = await client.post(f"{STEP5}/pad", data=pad_form(token), files=files)
    assert added.status_code == 303, added.text
    api_token = await token_of(identity, user)
    [method] = await methods_of(pay_api, api_token)
    [sub] = await subscriptions_of(subs_api, api_token)
    internal = {"X-Service-Token": platform.service_token}
    charged = await pay_api.post(
        "/internal/v1/charges",
        headers=internal,
        json={
            "idempotency_key": f"subscription-{sub['id']}:charge:test",
            "account_id": user.id,
            "subscription_id": sub["id"],
            "payment_method_id": method["id"],
            "period_start": "2028-03-01",
            "period_end": "2028-03-31",
            "amount_cents": 6500,
            "description": "Abonnement - mars 2028",
        },
    )
    assert charged.json()["status"] == "paid", charged.text
    invoices = await pay_api.get("/v1/invoices", headers={"Authorization": f"Bearer {api_token}"})
    [invoice] = [i for i in invoices.json() if i["id"] == charged.json()["invoice_id"]]
    return str(sub["id"]), str(invoice["number"])


async def _todays_returns(
    pay_api: httpx.AsyncClient, platform: PlatformSettings, number: str, code: str
) -> bytes:
    day = local_today(datetime.now(UTC)).isoformat()
    internal = {"X-Service-Token": platform.service_token}
    path = "/internal/v1/exports/cpa005"
    exported = await pay_api.post(path, json={"day": day}, headers=internal)
    assert exported.status_code == 200, exported.text
    with open(exported.json()["path"], "rb") as handle:
        debits = handle.read().decode("ascii")
    [segment] = [s for s in debit_segments(debits) if s[150:169].strip() == number]
    header = debits.split("\r\n", 1)[0]
    return returns_file(header, [returned(segment, code, "42")]).encode("ascii")


async def _upload(console: httpx.AsyncClient, content: bytes) -> httpx.Response:
    token = await csrf(console, RETURNS)
    return await console.post(
        RETURNS, data={"csrf_token": token}, files={"file": ("retours.txt", content, "text/plain")}
    )


async def test_a_closed_account_return_is_imported_once_and_shown_to_the_subscriber(
    client: httpx.AsyncClient,
    console: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    subs_api: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
    platform_settings: PlatformSettings,
) -> None:
    sid, number = await _debited_by_pad(
        client, user, catalog, identity, subs_api, pay_api, platform_settings
    )
    content = await _todays_returns(pay_api, platform_settings, number, "905")

    imported = await _upload(console, content)
    assert imported.status_code == 200, imported.text
    page = page_text(imported)
    assert "1 prélèvement(s) retourné(s) importé(s), pour 65,00 $." in page
    assert number in page and "compte fermé (905)" in page

    again = page_text(await _upload(console, content))
    assert "Ce fichier a déjà été importé : rien n'a changé." in again

    detail = page_text(await client.get(f"/mon-abonnement/{sid}"))
    assert (
        "Votre institution financière a refusé le prélèvement sur le compte se terminant par "
        "4567 : compte fermé." in detail
    )
    english = page_text(await client.get(f"/mon-abonnement/{sid}?lang=en"))
    assert "refused the debit on the account ending in 4567: account closed." in english

    # « Fournir de nouvelles coordonnées bancaires »: the banner's link, then the new account.
    assert (
        f'href="/mon-abonnement/{sid}/compte-bancaire"'
        in (await client.get(f"/mon-abonnement/{sid}")).text
    )
    form_page = await client.get(f"/mon-abonnement/{sid}/compte-bancaire?lang=fr")
    assert form_page.status_code == 200
    assert "Fournir de nouvelles coordonnées bancaires" in page_text(form_page)
    token = await csrf(client, f"/mon-abonnement/{sid}/compte-bancaire")
    body = pad_form(token) | {"account": "7654321098"}
    files = {"specimen": ("cheque.pdf", PDF, "application/pdf")}
    missing = await client.post(f"/mon-abonnement/{sid}/compte-bancaire", data=body)
    assert missing.status_code == 422  # the specimen is required
    replaced = await client.post(f"/mon-abonnement/{sid}/compte-bancaire", data=body, files=files)
    assert replaced.status_code == 303, replaced.text
    after = page_text(await client.get(replaced.headers["location"]))
    assert "Vos nouvelles coordonnées bancaires ont été enregistrées." in after
    assert "a refusé le prélèvement" not in after
    api_token = await token_of(identity, user)
    [method] = await methods_of(pay_api, api_token)
    assert method["account_last4"] == "1098"


async def test_a_return_traced_to_no_debit_is_refused_naming_the_line(
    console: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    # Elements 04-08, trace and reason (set by `returned`), names, then the cross reference.
    segment = "450" + "0000006500" + "031140" + "081530000" + "1234567".ljust(12)
    segment = (segment + "0" * 25 + " " * 85 + "F99999999".ljust(19)).ljust(240)
    content = returns_file("A000000001SPAQ000001".ljust(1464), [returned(segment, "901", "9")])

    refused = await _upload(console, content.encode("ascii"))
    assert refused.status_code == 422
    assert "Ligne 2 : Un prélèvement retourné ne correspond à aucun de nos prélèvements" in (
        page_text(refused)
    )
    no_file = await console.post(RETURNS, data={"csrf_token": await csrf(console, RETURNS)})
    assert no_file.status_code == 422 and "Choisissez le fichier de retours." in no_file.text
    anonymous = await client.get(RETURNS)
    assert anonymous.status_code == 303  # to the login page
