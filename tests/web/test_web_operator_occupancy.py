"""The console's « Occupation » page and its CSV, in French and English, with real
subscriptions across two sites and several statuses and invoices charged through payments;
regular accounts are refused and anonymous visitors sent to log in."""

import csv
import io
import itertools
import random
import re

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from tests.subscriptions.factories import Stack, UserFactory
from tests.subscriptions.occupancy_support import Occupied, build
from tests.support.mail import SmtpServer
from tests.web.subscriptions_support import text_of
from tests.web.support import Account, login

PAGE = "/console-operateur/occupation"


@pytest.fixture
async def occupied(
    subscriptions_app: FastAPI,
    subs_api: httpx.AsyncClient,
    payments_http: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    platform_settings: PlatformSettings,
    database_urls: dict[str, str],
    temporal_env: WorkflowEnvironment,
) -> Occupied:
    stack = Stack(subscriptions_app, platform_settings, database_urls, temporal_env.client)
    users = UserFactory(identity, smtp, identity_settings.database_url)
    agent = await users(role="operator")
    people = [await users() for _ in range(5)]
    counter = itertools.count(random.randint(200_000, 900_000) * 10)
    return await build(subs_api, payments_http, stack, agent, people, lambda: next(counter))


def row_of(page: str, offering_id: int) -> str:
    match = re.search(rf'<tr data-offering="{offering_id}">(.*?)</tr>', page, re.S)
    assert match, f"no row for offering {offering_id}"
    return match.group(1)


def cell(row: str, name: str) -> str:
    match = re.search(rf'class="figure-{name}[^"]*">([^<]*)<', row)
    assert match, name
    return match.group(1).strip()


async def test_the_page_shows_each_offering_in_french_and_english(
    client: httpx.AsyncClient, operator: Account, occupied: Occupied
) -> None:
    await login(client, operator.email)
    assert 'href="/console-operateur/occupation"' in (await client.get("/console-operateur")).text
    french = text_of((await client.get(f"{PAGE}?site_id={occupied.site_a}")).text)
    for label in [
        "Occupation des stationnements",
        "Capacité",
        "Abonnements actifs",
        "Approuvés, début plus tard",
        "Places libres",
        "Demandes en attente",
        "Plus ancienne demande",
        "Liste d'attente",
        "Facturé ce mois (TTC)",
        "Télécharger en CSV",
    ]:
        assert label in french, label
    a1, a2 = row_of(french, occupied.a1), row_of(french, occupied.a2)
    figures = ("capacity", "active", "later", "free", "pending", "waitlist", "billed")
    assert [cell(a1, f) for f in figures] == ["5", "2", "1", "2", "2", "0", "95,00 $"]
    assert [cell(a2, f) for f in figures] == ["3", "1", "0", "2", "0", "0", "52,00 $"]
    assert re.fullmatch(r"\d+ h", cell(a1, "oldest")) and cell(a2, "oldest") == "—"
    assert f'data-offering="{occupied.b1}"' not in french  # another site

    english = text_of((await client.get(f"{PAGE}?site_id={occupied.site_b}&lang=en")).text)
    for label in [
        "Parking occupancy",
        "Capacity",
        "Active subscriptions",
        "Approved, starting later",
        "Free spaces",
        "Pending requests",
        "Waitlist",
        "Billed this month (taxes incl.)",
        "Download as CSV",
    ]:
        assert label in english, label
    b1 = row_of(english, occupied.b1)
    assert [cell(b1, f) for f in figures] == ["4", "0", "0", "4", "1", "0", "$0.00"]


async def test_the_csv_is_the_page_with_french_then_english_headers(
    client: httpx.AsyncClient, operator: Account, occupied: Occupied
) -> None:
    await login(client, operator.email)
    response = await client.get(f"{PAGE}.csv?site_id={occupied.site_a}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert re.match(
        r'attachment; filename="occupation-occupancy-\d{4}-\d\d-\d\d\.csv"',
        response.headers["content-disposition"],
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents
    assert b"\r\n" in response.content
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][6:8] == ["Capacité / Capacity", "Actifs / Active"]
    assert rows[0][-1].startswith("Facturé ce mois") and "Billed this month" in rows[0][-1]
    by_offering = {int(r[3]): r for r in rows[1:]}
    assert set(by_offering) == {occupied.a1, occupied.a2}
    assert [*by_offering[occupied.a1][6:11], *by_offering[occupied.a1][12:14]] == [
        "5",
        "2",
        "1",
        "2",
        "2",
        "0",  # nobody on the waitlist
        "9500",
    ]
    assert rows[0][12] == "Liste d'attente / Waitlist"
    assert by_offering[occupied.a1][2].startswith("Hôpital Alpha")
    assert by_offering[occupied.a2][11] == ""  # no request waiting


async def test_regular_accounts_are_refused_and_visitors_sent_to_log_in(
    client: httpx.AsyncClient, user: Account
) -> None:
    for path in (PAGE, f"{PAGE}.csv"):
        anonymous = await client.get(path)
        assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/connexion")
    await login(client, user.email)
    for path in (PAGE, f"{PAGE}.csv"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert "Télécharger" not in refused.text and "Capacité" not in refused.text
