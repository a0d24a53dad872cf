"""The plate check cameras and enforcement call: right when a subscription starts and ends."""

from datetime import timedelta

import pytest

from services.subscriptions.clock import today
from tests.subscriptions.factories import (
    GATINEAU_DAS,
    HULL_DAS,
    PLATE_SITE,
    active_row,
    add_vehicle,
    pending_row,
    transition,
)


@pytest.fixture
async def user(users):
    return await users()


async def check(client, stack, site_id: int, plate: str, headers=None):
    response = await client.get(
        "/v1/plate-check",
        params={"site_id": site_id, "plate": plate},
        headers=stack.internal if headers is None else headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_plate_is_authorised_only_while_its_subscription_is_active(client, user, stack):
    vehicle = await add_vehicle(client, user)
    plate = vehicle["plate"]
    subscription_id = await pending_row(stack, user, GATINEAU_DAS, [vehicle["id"]], start=today())
    assert (await check(client, stack, PLATE_SITE, plate))["authorized"] is False

    await transition(client, stack, subscription_id, "approve")
    answer = await check(client, stack, PLATE_SITE, plate.lower())
    assert answer == {
        "authorized": True,
        "site_id": PLATE_SITE,
        "plate": plate,
        "subscription_end": None,
    }

    effective = today() + timedelta(days=30)
    await transition(
        client, stack, subscription_id, "schedule_cancellation", date=effective.isoformat()
    )
    assert (await check(client, stack, PLATE_SITE, plate))["subscription_end"] == (
        effective.isoformat()
    )

    await transition(client, stack, subscription_id, "end")
    assert (await check(client, stack, PLATE_SITE, plate))["authorized"] is False


async def test_a_subscription_starting_later_does_not_authorise_today(client, user, stack):
    vehicle = await add_vehicle(client, user)
    later = today() + timedelta(days=5)
    subscription_id = await pending_row(stack, user, GATINEAU_DAS, [vehicle["id"]], start=later)
    await transition(client, stack, subscription_id, "approve")
    assert (await check(client, stack, PLATE_SITE, vehicle["plate"]))["authorized"] is False


async def test_a_plate_is_not_authorised_at_another_site_or_a_card_site(client, user, stack):
    vehicle = await add_vehicle(client, user)
    await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    assert (await check(client, stack, 1534, vehicle["plate"]))["authorized"] is False
    assert (await check(client, stack, PLATE_SITE, vehicle["plate"]))["authorized"] is False


async def test_a_removed_second_vehicle_loses_its_access(client, user, stack):
    first, second = await add_vehicle(client, user), await add_vehicle(client, user)
    await active_row(client, stack, user, GATINEAU_DAS, [first["id"], second["id"]])
    assert (await check(client, stack, PLATE_SITE, second["plate"]))["authorized"] is True

    deleted = await client.delete(f"/v1/vehicles/{second['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert (await check(client, stack, PLATE_SITE, second["plate"]))["authorized"] is False
    assert (await check(client, stack, PLATE_SITE, first["plate"]))["authorized"] is True


async def test_the_plate_is_normalised_and_checked(client, stack):
    answer = await check(client, stack, PLATE_SITE, "abc 123-4")
    assert answer["plate"] == "ABC123"
    bad = await client.get(
        "/v1/plate-check",
        params={"site_id": PLATE_SITE, "plate": "TOO-LONG-PLATE"},
        headers=stack.internal,
    )
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "plate_invalid")


async def test_only_the_service_token_or_an_operator_may_check(client, users, stack):
    user, operator = await users(), await users(role="operator")
    params = {"site_id": PLATE_SITE, "plate": "ABC123"}

    anonymous = await client.get("/v1/plate-check", params=params)
    wrong = await client.get("/v1/plate-check", params=params, headers={"X-Service-Token": "x"})
    as_user = await client.get("/v1/plate-check", params=params, headers=user.headers)
    assert (anonymous.status_code, wrong.status_code, as_user.status_code) == (401, 401, 403)
    as_operator = await client.get("/v1/plate-check", params=params, headers=operator.headers)
    assert as_operator.status_code == 200


async def test_a_missing_or_malformed_site_is_named_in_the_error(client, stack):
    for params, code in (
        ({"plate": "ABC123"}, "missing"),
        ({"site_id": "x1", "plate": "A1"}, "int_parsing"),
    ):
        bad = await client.get("/v1/plate-check", params=params, headers=stack.internal)
        body = bad.json()
        assert (bad.status_code, body["field"], body["errors"][0]["code"]) == (422, "site_id", code)
        assert body["message"]["fr"] != body["message"]["en"]
