"""The export jobs over HTTP: the day's CPA-005 file of PAD debits and the month's payroll CSVs,
from charges made through the real app (and, for payroll, real subscriptions and accounts)."""

import csv
import io
import itertools
import random
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from temporalio.testing import WorkflowEnvironment

from servicekit.db import transaction
from servicekit.settings import PlatformSettings
from services.payments.exports import read_totals
from services.payments.exports.cpa005 import RECORD_LENGTH
from services.payments.models import Charge
from services.subscriptions import seed
from tests.payments.factories import (
    DECLINES_CHARGES,
    PaymentsStack,
    add_card,
    add_pad,
    balance,
    charge,
    charge_body,
    retry_body,
)
from tests.subscriptions.factories import (
    HULL_EMPLOYEE,
    HULL_SITE,
    SUBSCRIPTIONS,
    Stack,
    User,
    UserFactory,
    add_vehicle,
    offering,
    pending_row,
)

CPA005, PAYROLL = "/internal/v1/exports/cpa005", "/internal/v1/exports/payroll"
DAY = date(2031, 5, 14)  # a day no other test charges on
ESTRIE_SITE, ESTRIE_EMPLOYEE = 2210, 201
_offering_ids = itertools.count(random.randint(100_000, 900_000) * 10 + 7)


async def _completed_at(payments: PaymentsStack, charge_id: str, when: datetime) -> None:
    """Date a charge made now as if it had been made then (the export reads the completion)."""
    async with transaction(payments.app.state.sessionmaker) as session:
        await session.execute(
            update(Charge).where(Charge.id == charge_id).values(completed_at=when)
        )


def _segments(text: str) -> list[str]:
    records = text.split("\r\n")[:-1]
    assert all(len(r) == RECORD_LENGTH for r in records)
    return [
        seg
        for record in records[1:-1]
        for seg in (record[24 + 240 * s : 24 + 240 * (s + 1)] for s in range(6))
        if seg.strip()
    ]


# CPA-005 ---------------------------------------------------------------------------------------


async def test_the_days_pad_debits_make_one_cpa005_file_rewritten_identically(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack, export_dir: Path
) -> None:
    user = await users()
    pad = (await add_pad(client, user)).json()
    card = await add_card(client, user)
    made = {
        name: await charge(client, payments, charge_body(user, method, amount))
        for name, method, amount in (
            ("morning", pad["id"], 6500),
            ("late_evening", pad["id"], 3125),
            ("next_day", pad["id"], 9900),
            ("card", card["id"], 4400),
        )
    }
    # Montréal is UTC-4 in May: 23:30 on the 14th is 03:30 UTC on the 15th.
    for name, when in (
        ("morning", datetime(2031, 5, 14, 4, 0, tzinfo=UTC)),  # 00:00 in Montréal
        ("late_evening", datetime(2031, 5, 15, 3, 30, tzinfo=UTC)),
        ("next_day", datetime(2031, 5, 15, 4, 0, tzinfo=UTC)),  # 00:00 on the 15th
        ("card", datetime(2031, 5, 14, 15, 0, tzinfo=UTC)),
    ):
        await _completed_at(payments, made[name]["id"], when)

    answer = await client.post(CPA005, json={"day": DAY.isoformat()}, headers=payments.internal)
    assert answer.status_code == 200, answer.text
    path = export_dir / "cpa005" / "pad-2031-05-14.txt"
    assert answer.json() == {"path": str(path), "count": 2, "total_cents": 9625}
    content = path.read_bytes()
    text = content.decode("ascii")
    totals = read_totals(text)
    assert (totals.records, totals.debit_count, totals.debit_cents) == (3, 2, 9625)
    segments = _segments(text)
    assert [int(s[3:13]) for s in segments] == [6500, 3125]
    assert {s[19:28] + s[28:40].strip() for s in segments} == {"081530000" + "1234567"}
    assert {s[80:110].strip() for s in segments} == {"LEA TREMBLAY"}
    invoices = (await client.get("/v1/invoices", headers=user.headers)).json()
    numbers = {i["id"]: i["number"] for i in invoices}
    references = [s[150:169].strip() for s in segments]
    assert references == [
        numbers[made["morning"]["invoice_id"]],
        numbers[made["late_evening"]["invoice_id"]],
    ]

    again = await client.post(CPA005, json={"day": DAY.isoformat()}, headers=payments.internal)
    assert again.json() == answer.json() and path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir()) == ["pad-2031-05-14.txt"]


async def test_a_day_without_debits_still_writes_a_valid_file(
    client: httpx.AsyncClient, payments: PaymentsStack, export_dir: Path
) -> None:
    answer = await client.post(CPA005, json={"day": "2031-06-02"}, headers=payments.internal)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["count"], answer.json()["total_cents"]) == (0, 0)
    text = Path(answer.json()["path"]).read_bytes().decode("ascii")
    assert [line[0] for line in text.split("\r\n")[:-1]] == ["A", "Z"]
    assert read_totals(text).debit_count == 0
    unsigned = await client.post(CPA005, json={"day": "2031-06-02"})
    assert unsigned.status_code == 401


async def test_a_retry_by_debit_is_collected_unless_nothing_was_owed(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack, export_dir: Path
) -> None:
    """Two declined card invoices retried on a bank account: one is still owed and is debited;
    the other was paid at the counter, so its `paid` retry must not reach the bank file."""
    owing, settled, operator = await users(), await users(), await users(role="operator")
    retried = {}
    for user, amount in ((owing, 5200), (settled, 4100)):
        card = await add_card(client, user, DECLINES_CHARGES)
        first = charge_body(user, card["id"], amount)
        declined = await charge(client, payments, first)
        pad = (await add_pad(client, user)).json()
        if user is settled:
            await client.post(
                f"/v1/operator/accounts/{user.id}/adjustments",
                json={"kind": "payment", "amount_cents": amount, "reason": "Comptant"},
                headers=operator.headers,
            )
        body = retry_body(first, declined["invoice_id"], 1, payment_method_id=pad["id"])
        retried[user.id] = await charge(client, payments, body)
        assert retried[user.id]["status"] == "paid"
        await _completed_at(
            payments, retried[user.id]["id"], datetime(2031, 5, 20, 16, 0, tzinfo=UTC)
        )
    assert await balance(client, owing) == await balance(client, settled) == 0

    answer = await client.post(CPA005, json={"day": "2031-05-20"}, headers=payments.internal)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["count"], answer.json()["total_cents"]) == (1, 5200)
    text = Path(answer.json()["path"]).read_bytes().decode("ascii")
    assert [int(s[3:13]) for s in _segments(text)] == [5200]


# Payroll ---------------------------------------------------------------------------------------


@pytest.fixture
async def subscriptions(
    apps: dict[str, FastAPI],
    temporal_env: WorkflowEnvironment,
    platform_settings: PlatformSettings,
    database_urls: dict[str, str],
) -> Stack:
    """The session's subscriptions app with the seed catalog (its two establishments)."""
    await seed.main(database_urls["subscriptions"])
    return Stack(apps["subscriptions"], platform_settings, database_urls, temporal_env.client)


async def _payroll_subscription(
    stack: Stack, operator: User, user: User, site: int, category: int
) -> str:
    """A DAS subscription request written by the subscriptions service (no workflow behind it)."""
    transport = httpx.ASGITransport(app=stack.app)
    async with httpx.AsyncClient(transport=transport, base_url=SUBSCRIPTIONS) as subs:
        offered = await offering(
            subs, operator, next(_offering_ids), site_id=site, category_id=category
        )
        vehicle = await add_vehicle(subs, user)
    return await pending_row(stack, user, offered["id"], [vehicle["id"]])


async def _contract_number(stack: Stack, subscription_id: str) -> str:
    transport = httpx.ASGITransport(app=stack.app)
    async with httpx.AsyncClient(transport=transport, base_url=SUBSCRIPTIONS) as subs:
        answer = await subs.get(
            f"/internal/v1/subscriptions/{subscription_id}", headers=stack.internal
        )
    return str(answer.json()["contract_number"])


def _july(user: User, subscription_id: str, amount: int) -> dict:
    return charge_body(
        user,
        None,
        amount,
        subscription_id=subscription_id,
        period_start="2031-07-01",
        period_end="2031-07-31",
    )


async def test_the_months_payroll_deductions_make_one_csv_per_establishment(
    client: httpx.AsyncClient,
    users: UserFactory,
    payments: PaymentsStack,
    platform_port: PaymentsStack,
    subscriptions: Stack,
    export_dir: Path,
) -> None:
    user, operator = await users(), await users(role="operator")
    hull = await _payroll_subscription(subscriptions, operator, user, HULL_SITE, HULL_EMPLOYEE)
    estrie = await _payroll_subscription(
        subscriptions, operator, user, ESTRIE_SITE, ESTRIE_EMPLOYEE
    )
    for subscription_id, amount in ((hull, 6500), (estrie, 2710)):
        assert (await charge(client, payments, _july(user, subscription_id, amount)))[
            "status"
        ] == "recorded"
    august = _july(user, hull, 6500) | {"period_start": "2031-08-01", "period_end": "2031-08-31"}
    await charge(client, payments, august)

    answer = await client.post(PAYROLL, json={"period": "2031-07"}, headers=payments.internal)
    assert answer.status_code == 200, answer.text
    folder = export_dir / "payroll" / "2031-07"
    expected = [folder / "ciusss-de-l-estrie-chus.csv", folder / "cisss-de-l-outaouais.csv"]
    assert sorted(answer.json()["files"]) == sorted(str(p) for p in expected)
    assert answer.json()["rows"] == 2
    rows = {
        path.name: list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        for path in expected
    }
    header = [
        "employee_number",
        "last_name",
        "first_name",
        "contract_number",
        "amount_cents",
        "period",
    ]
    hull_contract = await _contract_number(subscriptions, hull)
    estrie_contract = await _contract_number(subscriptions, estrie)
    assert rows["cisss-de-l-outaouais.csv"] == [
        header,
        ["E-48213", "Tremblay", "Léa", hull_contract, "6500", "2031-07"],
    ]
    assert rows["ciusss-de-l-estrie-chus.csv"] == [
        header,
        ["E-48213", "Tremblay", "Léa", estrie_contract, "2710", "2031-07"],
    ]
    contents = [p.read_bytes() for p in expected]
    again = await client.post(PAYROLL, json={"period": "2031-07"}, headers=payments.internal)
    assert again.json() == answer.json() and [p.read_bytes() for p in expected] == contents


async def test_a_deduction_whose_subscription_is_unknown_stops_the_export(
    client: httpx.AsyncClient,
    users: UserFactory,
    payments: PaymentsStack,
    platform_port: PaymentsStack,
    subscriptions: Stack,
    export_dir: Path,
) -> None:
    user = await users()
    body = charge_body(user, None, 3000, period_start="2031-09-01", period_end="2031-09-30")
    await charge(client, payments, body)
    answer = await client.post(PAYROLL, json={"period": "2031-09"}, headers=payments.internal)
    assert answer.status_code == 409 and answer.json()["error"] == "export_data_invalid"
    assert not (export_dir / "payroll" / "2031-09").exists()
    bad = await client.post(PAYROLL, json={"period": "2031-13"}, headers=payments.internal)
    assert bad.status_code == 422 and bad.json()["field"] == "period"
    empty = await client.post(PAYROLL, json={"period": "2031-10"}, headers=payments.internal)
    assert empty.json() == {"files": [], "rows": 0}
