"""`GET /v1/offerings/{id}/price-preview`: the figures of « Récapitulatif », its bad inputs and
who may ask. That the figures are what billing charges is checked against the real billing
loop in tests/workflows/test_price_preview_billing.py."""

from datetime import date, timedelta

import pytest

from services.subscriptions.clock import today
from tests.subscriptions.factories import HULL_DAS, HULL_RESERVED

GATINEAU_DOCTORS = 7202  # 90,00 $ a month, pre-authorized payment


@pytest.fixture
async def user(users):
    return await users()


def later_mid_month() -> date:
    """The 17th of a month at least 20 days away (the approval today is before the start)."""
    ahead = today() + timedelta(days=20)
    return (
        ahead.replace(day=17) if ahead.day <= 17 else (ahead + timedelta(days=20)).replace(day=17)
    )


async def test_a_mid_month_start_shows_the_prorated_charge_then_the_monthly_one(client, user):
    start = later_mid_month()
    response = await client.get(
        f"/v1/offerings/{GATINEAU_DOCTORS}/price-preview",
        params={"start": start.isoformat()},
        headers=user.headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    first, following = body["first_charge"], body["next_charge"]
    assert (first["period_start"], first["prorated"]) == (start.isoformat(), True)
    assert first["gst_cents"] + first["qst_cents"] + first["pretax_cents"] == first["total_cents"]
    assert first["charged_on"] == body["approved_on"] == today().isoformat()
    # A bank account is debited 10 days after the notice sent at approval, not before the start.
    assert first["bank_debit_on"] == max(start, today() + timedelta(days=10)).isoformat()
    assert following["period_start"] == following["charged_on"]
    assert date.fromisoformat(following["charged_on"]).day == 1
    assert (following["total_cents"], following["gst_cents"], following["qst_cents"]) == (
        9000,
        391,
        781,
    )


async def test_a_start_that_has_passed_by_approval_moves_to_today(client, user):
    response = await client.get(
        f"/v1/offerings/{HULL_DAS}/price-preview",
        params={"start": today().isoformat()},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert response.json()["start"] == today().isoformat()
    assert response.json()["first_charge"]["bank_debit_on"] is None  # payroll deduction


async def test_a_start_in_the_past_is_refused_naming_the_field(client, user):
    yesterday = (today() - timedelta(days=1)).isoformat()
    response = await client.get(
        f"/v1/offerings/{HULL_DAS}/price-preview", params={"start": yesterday}, headers=user.headers
    )
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["errors"][0]["code"]) == (
        "start",
        "start_in_past",
    )
    assert "passé" in response.json()["message"]["fr"]


async def test_a_missing_start_is_refused_naming_the_field(client, user):
    response = await client.get(f"/v1/offerings/{HULL_DAS}/price-preview", headers=user.headers)
    assert response.status_code == 422
    assert response.json()["field"] == "start"


async def test_a_restricted_offering_is_the_same_404_as_an_unknown_one(client, user):
    start = today().isoformat()
    restricted = await client.get(
        f"/v1/offerings/{HULL_RESERVED}/price-preview",
        params={"start": start},
        headers=user.headers,
    )
    unknown = await client.get(
        "/v1/offerings/999999/price-preview", params={"start": start}, headers=user.headers
    )
    assert restricted.status_code == unknown.status_code == 404
    assert restricted.json() == unknown.json()


async def test_the_preview_needs_a_signed_in_caller(client):
    response = await client.get(
        f"/v1/offerings/{HULL_DAS}/price-preview", params={"start": today().isoformat()}
    )
    assert response.status_code == 401
