"""Mes véhicules: normalised plates, at most two per account (even under concurrent requests),
edit and delete, and nobody else's vehicles."""

import asyncio
import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from services.subscriptions.models import Vehicle
from tests.subscriptions.factories import HULL_DAS, add_vehicle, pending_row, vehicle_body


async def test_a_vehicle_is_registered_with_its_plate_normalised(client, users):
    user = await users()
    response = await client.post(
        "/v1/vehicles", headers=user.headers, json=vehicle_body(plate="abc 123-4")
    )

    assert response.status_code == 201, response.text
    assert response.json()["plate"] == "ABC123"
    listed = await client.get("/v1/vehicles", headers=user.headers)
    assert [v["plate"] for v in listed.json()] == ["ABC123"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"plate": "ABCDEFGH"}, "plate", "plate_invalid"),
        ({"plate": "AB#123"}, "plate", "plate_invalid"),
        ({"plate": ""}, "plate", "plate_invalid"),
        ({"year": 1890}, "year", "year_invalid"),
        ({"year": 2999}, "year", "year_invalid"),
        ({"make": ""}, "make", "string_too_short"),
    ],
)
async def test_bad_vehicle_fields_are_named(client, users, change, field, code):
    user = await users()
    response = await client.post("/v1/vehicles", headers=user.headers, json=vehicle_body(**change))

    assert response.status_code == 422
    body = response.json()
    assert (body["field"], body["errors"][0]["code"]) == (field, code)
    assert body["message"]["fr"] and body["message"]["en"]


async def test_a_third_vehicle_is_refused(client, users):
    user = await users()
    await add_vehicle(client, user)
    await add_vehicle(client, user)

    third = await client.post("/v1/vehicles", headers=user.headers, json=vehicle_body())
    assert (third.status_code, third.json()["error"]) == (409, "vehicle_limit")
    assert "maximum de 2" in third.json()["message"]["fr"]


async def test_two_parallel_adds_for_the_last_slot_let_exactly_one_in(client, users):
    user = await users()
    await add_vehicle(client, user)

    responses = await asyncio.gather(
        *[client.post("/v1/vehicles", headers=user.headers, json=vehicle_body()) for _ in range(2)]
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["error"] == "vehicle_limit"
    assert len((await client.get("/v1/vehicles", headers=user.headers)).json()) == 2


async def test_the_same_plate_twice_is_refused(client, users):
    user = await users()
    await add_vehicle(client, user, plate="XYZ987")
    again = await client.post("/v1/vehicles", headers=user.headers, json=vehicle_body("xyz-987"))
    assert (again.status_code, again.json()["error"]) == (409, "plate_duplicate")


async def test_a_deleted_vehicle_frees_its_slot(client, users):
    user = await users()
    first = await add_vehicle(client, user)
    await add_vehicle(client, user)

    deleted = await client.delete(f"/v1/vehicles/{first['id']}", headers=user.headers)
    assert deleted.status_code == 204
    await add_vehicle(client, user)
    assert len((await client.get("/v1/vehicles", headers=user.headers)).json()) == 2


async def test_a_vehicle_is_edited_when_no_active_subscription_has_it(client, users):
    user = await users()
    vehicle = await add_vehicle(client, user)
    response = await client.put(
        f"/v1/vehicles/{vehicle['id']}",
        headers=user.headers,
        json=vehicle_body("new 12-3", color="Rouge"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["plate"], response.json()["color"]) == ("NEW12", "Rouge")


async def test_nobody_sees_or_changes_another_users_vehicle(client, users):
    owner, other = await users(), await users()
    vehicle = await add_vehicle(client, owner)
    url = f"/v1/vehicles/{vehicle['id']}"

    assert (await client.get("/v1/vehicles", headers=other.headers)).json() == []
    edit = await client.put(url, headers=other.headers, json=vehicle_body())
    delete = await client.delete(url, headers=other.headers)
    assert (edit.status_code, edit.json()["error"]) == (404, "vehicle_not_found")
    assert (delete.status_code, delete.json()["error"]) == (404, "vehicle_not_found")
    missing = await client.delete("/v1/vehicles/does-not-exist", headers=owner.headers)
    assert missing.json() == delete.json()


async def test_the_only_vehicle_of_a_pending_or_active_subscription_stays(client, users, stack):
    user = await users()
    only = await add_vehicle(client, user)
    await pending_row(stack, user, HULL_DAS, [only["id"]])

    refused = await client.delete(f"/v1/vehicles/{only['id']}", headers=user.headers)
    assert (refused.status_code, refused.json()["error"]) == (409, "vehicle_in_use")


@pytest.mark.parametrize("slot", [1, 3])
async def test_the_database_itself_refuses_a_third_vehicle(stack, slot):
    """Slot 1 taken (unique per account) or slot 3 (outside the check): the row never lands."""
    account_id = str(uuid.uuid4())
    row = {"account_id": account_id, "year": 2020, "make": "Kia", "model": "Soul", "color": "Bleu"}
    async with stack.parts.transaction() as session:
        session.add(Vehicle(id=str(uuid.uuid4()), slot=1, plate="AAA111", **row))
    with pytest.raises(IntegrityError):
        async with stack.parts.transaction() as session:
            session.add(Vehicle(id=str(uuid.uuid4()), slot=slot, plate="BBB222", **row))
