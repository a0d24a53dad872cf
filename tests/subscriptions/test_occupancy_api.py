"""`GET /v1/operator/occupancy`: per site and offering, capacity, active subscriptions, approved
ones starting later, pending requests and the oldest one's submission, and this month's billed
amount summed by the payments service; on SQLite and PostgreSQL (`TEST_DATABASE_URL`)."""

from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from services.subscriptions.clock import today
from tests.subscriptions.occupancy_support import PAYMENTS, Occupied, build


@pytest.fixture
async def payments(apps: dict[str, FastAPI]):
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(transport=transport, base_url=PAYMENTS) as client:
        yield client


@pytest.fixture
async def operator(users):
    return await users(role="operator")


@pytest.fixture
async def occupied(client, payments, stack, operator, users, ids) -> Occupied:
    people = [await users() for _ in range(5)]
    return await build(client, payments, stack, operator, people, ids.next)


def by_offering(body: dict) -> dict[int, dict]:
    return {row["offering_id"]: row for row in body["rows"]}


async def test_each_offering_shows_its_figures_from_the_database(
    client, operator, occupied: Occupied
) -> None:
    response = await client.get("/v1/operator/occupancy", headers=operator.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["month"] == today().replace(day=1).isoformat() and body["billed_available"]
    rows = by_offering(body)
    figures = ("capacity", "active", "starting_later", "free", "pending", "billed_cents")
    assert {
        o: tuple(rows[o][f] for f in figures) for o in (occupied.a1, occupied.a2, occupied.b1)
    } == {
        occupied.a1: (5, 2, 1, 2, 2, 9500),
        occupied.a2: (3, 1, 0, 2, 0, 5200),  # the subscription ended today was billed this month
        occupied.b1: (4, 0, 0, 4, 1, 0),
    }
    before, between = occupied.oldest_between
    oldest = datetime.fromisoformat(rows[occupied.a1]["oldest_pending_at"])
    assert before <= oldest <= between
    assert rows[occupied.a2]["oldest_pending_at"] is None
    assert rows[occupied.a1]["site_id"] == rows[occupied.a2]["site_id"] == occupied.site_a
    assert rows[occupied.b1]["site_name"].startswith("Hôpital Bêta")


async def test_one_site_only_and_sql_aggregates_not_rows(
    client, operator, stack, occupied: Occupied
) -> None:
    statements: list[str] = []
    engine = stack.parts.sessions.kw["bind"].sync_engine

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = await client.get(
            "/v1/operator/occupancy", params={"site_id": occupied.site_a}, headers=operator.headers
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert response.status_code == 200
    assert set(by_offering(response.json())) == {occupied.a1, occupied.a2}
    # The figures are one GROUP BY query with COUNT and MIN; no query reads subscription rows
    # whole (the only other select names the offering and id of the billable subscriptions).
    figures = [s for s in statements if "GROUP BY" in s.upper()]
    assert len(figures) == 1 and "count(" in figures[0].lower() and "min(" in figures[0].lower()
    assert not any("subscriptions.employee_number" in s for s in statements)


async def test_only_operators_see_occupancy(client, users) -> None:
    user = await users()
    response = await client.get("/v1/operator/occupancy", headers=user.headers)
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    assert (await client.get("/v1/operator/occupancy")).status_code == 401


async def test_billed_totals_are_summed_by_payments_per_group(payments, stack, occupied) -> None:
    response = await payments.post(
        "/internal/v1/billed-totals",
        headers=stack.internal,
        json={"month": today().isoformat(), "groups": {"x": [], "y": ["nobody"]}},
    )
    assert response.status_code == 200
    assert response.json()["totals_cents"] == {"x": 0, "y": 0}
    refused = await payments.post(
        "/internal/v1/billed-totals", json={"month": today().isoformat(), "groups": {}}
    )
    assert refused.status_code in (401, 403)
