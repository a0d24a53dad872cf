"""« Véhicule temporaire »: on an active subscription, outside the two-vehicle limit, for 14 days
at most, accepted by the plate check only on its days (Montréal dates)."""

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from servicekit.db import utcnow
from services.subscriptions import outbox, temporary_vehicles
from services.subscriptions.clock import today
from services.subscriptions.models import LifecycleOutbox, TemporaryVehicle
from services.subscriptions.schemas import TemporaryVehicleIn
from tests.subscriptions.factories import (
    GATINEAU_DAS,
    PLATE_SITE,
    active_row,
    add_vehicle,
    pending_row,
    vehicle_body,
)
from tests.subscriptions.test_plate_check import check
from workflows.temporary_vehicle.models import workflow_id


@pytest.fixture
async def user(users):
    return await users()


def temporary_body(start: date, end: date, **changes):
    return (
        vehicle_body(
            make="Kia",
            model="Rio",
            color="Blanc",
            start_date=start.isoformat(),
            end_date=end.isoformat(),
        )
        | changes
    )


async def add_temporary(client, user, subscription_id: str, start: date, end: date, **changes):
    return await client.post(
        f"/v1/subscriptions/{subscription_id}/temporary-vehicles",
        headers=user.headers,
        json=temporary_body(start, end, **changes),
    )


async def active_with_two(client, stack, user) -> str:
    first, second = await add_vehicle(client, user), await add_vehicle(client, user)
    return await active_row(client, stack, user, GATINEAU_DAS, [first["id"], second["id"]])


async def test_a_third_plate_is_added_for_its_days_outside_the_two_vehicle_limit(
    client, stack, user
):
    subscription_id = await active_with_two(client, stack, user)
    assert (await client.post("/v1/vehicles", headers=user.headers, json=vehicle_body())).json()[
        "error"
    ] == "vehicle_limit"

    start, end = today(), today() + timedelta(days=13)  # 14 days, both counted
    added = await add_temporary(client, user, subscription_id, start, end, plate="loc 42-1")
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["plate"], body["status"], body["end_date"]) == ("LOC42", "active", end.isoformat())
    assert body["status_label"] == {"fr": "En vigueur", "en": "Current"}

    mine = (await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)).json()
    assert len(mine["vehicles"]) == 2
    assert [v["plate"] for v in mine["temporary_vehicles"]] == ["LOC42"]
    assert len((await client.get("/v1/vehicles", headers=user.headers)).json()) == 2
    # Its end timer runs in Temporal, keyed by the vehicle's id (no plate in the id).
    handle = stack.temporal.get_workflow_handle(workflow_id(body["id"]))
    assert (await handle.describe()).status is not None


@pytest.mark.parametrize(
    ("start_days", "end_days", "field", "code"),
    [
        (-1, 2, "start_date", "date_in_past"),
        (3, 2, "end_date", "end_before_start"),
        (0, 14, "end_date", "temporary_too_long"),
        (2, 16, "end_date", "temporary_too_long"),
    ],
)
async def test_bad_days_are_refused_naming_the_field(
    client, stack, user, start_days, end_days, field, code
):
    subscription_id = await active_with_two(client, stack, user)
    start, end = today() + timedelta(days=start_days), today() + timedelta(days=end_days)
    refused = await add_temporary(client, user, subscription_id, start, end)
    body = refused.json()
    assert (refused.status_code, body["field"], body["errors"][0]["code"]) == (422, field, code)
    assert body["message"]["fr"] and body["message"]["en"]
    assert body["message"]["fr"] != body["message"]["en"]


async def test_missing_fields_and_a_bad_plate_are_named(client, stack, user):
    subscription_id = await active_with_two(client, stack, user)
    body = temporary_body(today(), today())
    del body["end_date"]
    missing = await client.post(
        f"/v1/subscriptions/{subscription_id}/temporary-vehicles", headers=user.headers, json=body
    )
    assert (missing.status_code, missing.json()["field"]) == (422, "end_date")
    bad = await add_temporary(client, user, subscription_id, today(), today(), plate="TOOLONGPLATE")
    assert (bad.status_code, bad.json()["field"]) == (422, "plate")


async def test_only_an_active_subscription_of_ones_own_takes_one(client, stack, users):
    owner, stranger = await users(), await users()
    vehicle = await add_vehicle(client, owner)
    pending = await pending_row(stack, owner, GATINEAU_DAS, [vehicle["id"]], start=today())
    refused = await add_temporary(client, owner, pending, today(), today())
    assert (refused.status_code, refused.json()["error"]) == (409, "not_active")

    active = await active_with_two(client, stack, stranger)
    theirs = await add_temporary(client, owner, active, today(), today())
    assert (theirs.status_code, theirs.json()["error"]) == (404, "subscription_not_found")


async def test_one_at_a_time_and_not_a_plate_already_on_the_subscription(client, stack, user):
    first = await add_vehicle(client, user)
    subscription_id = await active_row(client, stack, user, GATINEAU_DAS, [first["id"]])
    same = await add_temporary(
        client, user, subscription_id, today(), today(), plate=first["plate"]
    )
    assert (same.status_code, same.json()["error"]) == (409, "plate_duplicate")

    both = await asyncio.gather(
        add_temporary(client, user, subscription_id, today(), today() + timedelta(days=1)),
        add_temporary(client, user, subscription_id, today(), today() + timedelta(days=2)),
    )
    assert sorted(r.status_code for r in both) == [201, 409]
    loser = next(r for r in both if r.status_code == 409)
    assert loser.json()["error"] == "temporary_vehicle_exists"


async def test_removed_early_its_plate_is_refused_and_another_may_be_added(client, stack, user):
    subscription_id = await active_with_two(client, stack, user)
    added = (await add_temporary(client, user, subscription_id, today(), today())).json()
    assert (await check(client, stack, PLATE_SITE, added["plate"]))["authorized"] is True

    path = f"/v1/subscriptions/{subscription_id}/temporary-vehicles/{added['id']}"
    assert (await client.delete(path, headers=user.headers)).status_code == 204
    assert (await client.delete(path, headers=user.headers)).status_code == 204  # a repeat
    assert (await check(client, stack, PLATE_SITE, added["plate"]))["authorized"] is False
    mine = (await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)).json()
    assert [v["status"] for v in mine["temporary_vehicles"]] == ["removed"]
    # The timer heard of it and finished without ending anything.
    handle = stack.temporal.get_workflow_handle(workflow_id(added["id"]))
    assert (await handle.result())["outcome"] == "removed"
    again = await add_temporary(client, user, subscription_id, today(), today())
    assert again.status_code == 201


async def test_the_plate_check_accepts_it_only_on_its_days(client, stack, user):
    """Before its first day: refused; on its days: accepted until the day after the last;
    after its last day, even while its timer has not ended it (a late worker): refused."""
    subscription_id = await active_with_two(client, stack, user)
    start, end = today() + timedelta(days=1), today() + timedelta(days=3)
    later = (await add_temporary(client, user, subscription_id, start, end)).json()
    assert (await check(client, stack, PLATE_SITE, later["plate"]))["authorized"] is False
    path = f"/v1/subscriptions/{subscription_id}/temporary-vehicles/{later['id']}"
    assert (await client.delete(path, headers=user.headers)).status_code == 204

    current = (await add_temporary(client, user, subscription_id, today(), end)).json()
    answer = await check(client, stack, PLATE_SITE, current["plate"])
    assert answer["authorized"] is True
    assert answer["subscription_end"] == (end + timedelta(days=1)).isoformat()

    # Its days are over (as if time had passed) and its timer has not run yet: still refused.
    await _move_days(stack, current["id"], today() - timedelta(days=3), today() - timedelta(days=1))
    assert (await check(client, stack, PLATE_SITE, current["plate"]))["authorized"] is False


async def test_the_timers_end_leaves_it_ended_and_refused(client, stack, user):
    subscription_id = await active_with_two(client, stack, user)
    added = (await add_temporary(client, user, subscription_id, today(), today())).json()
    ended = await client.post(
        f"/internal/v1/temporary-vehicles/{added['id']}/end", headers=stack.internal
    )
    assert ended.json() == {"temporary_vehicle_id": added["id"], "outcome": "ended"}
    assert (await check(client, stack, PLATE_SITE, added["plate"]))["authorized"] is False
    missing = await client.post("/internal/v1/temporary-vehicles/nope/end", headers=stack.internal)
    assert missing.status_code == 404
    anyone = await client.post(f"/internal/v1/temporary-vehicles/{added['id']}/end")
    assert anyone.status_code == 401


async def test_a_timer_not_started_before_a_crash_is_started_by_the_outbox_relay(
    client, stack, user
):
    """The row and its outbox entry committed, then the process died before Temporal: the
    relay starts the timer (what the endpoint does right after the commit)."""
    subscription_id = await active_with_two(client, stack, user)
    data = TemporaryVehicleIn.model_validate(temporary_body(today(), today()))
    async with stack.parts.transaction() as session:
        vehicle = await temporary_vehicles.add(
            session, stack.parts.plates, user.id, subscription_id, data
        )
        entry = outbox.add_temporary_vehicle(session, subscription_id, vehicle.id)
        entry.created_at = utcnow() - outbox.GRACE - timedelta(seconds=1)
    handle = stack.temporal.get_workflow_handle(workflow_id(vehicle.id))
    await outbox.relay_once(stack.parts)  # the app's own relay may have been first: either way
    assert (await handle.describe()).status is not None
    async with stack.parts.transaction() as session:
        assert await session.get(LifecycleOutbox, entry.id) is None


async def _move_days(stack, vehicle_id: str, start: date, end: date) -> None:
    """The passing of time for one row: its days moved into the past, the index told (as the
    timer's own end would)."""
    async with stack.parts.transaction() as session:
        await session.execute(
            update(TemporaryVehicle)
            .where(TemporaryVehicle.id == vehicle_id)
            .values(start_date=start, end_date=end)
        )
    stack.parts.plates.invalidate()
