"""Créer un nouvel abonnement: the request, every bad input, and whose requests one sees."""

from datetime import timedelta

import pytest

from services.subscriptions.clock import today
from tests.subscriptions.factories import (
    HULL_DAS,
    HULL_EVENING,
    HULL_RESERVED,
    add_vehicle,
    pending_row,
    request_body,
)
from workflows.subscription.models import workflow_id


@pytest.fixture
async def user(users):
    return await users()


@pytest.fixture
async def vehicle(client, user):
    return await add_vehicle(client, user, plate="abc 123-4")


async def test_a_request_is_pending_with_a_contract_number_and_its_workflow(
    client, user, vehicle, temporal_client
):
    response = await client.post(
        "/v1/subscriptions", headers=user.headers, json=request_body(HULL_DAS, [vehicle["id"]])
    )

    assert response.status_code == 201, response.text
    sub = response.json()
    assert sub["status"] == "pending_approval"
    assert sub["status_label"] == {"fr": "En attente d'approbation", "en": "Awaiting approval"}
    assert len(sub["contract_number"]) == 8 and sub["contract_number"].isdigit()
    assert (sub["start_date"], sub["end_date"]) == (None, None)
    assert (sub["monthly_price_cents"], sub["billing_mode"]) == (6500, "payroll")
    assert sub["site"]["id"] == 1534 and sub["offering"]["id"] == HULL_DAS
    assert [v["plate"] for v in sub["vehicles"]] == ["ABC123"]
    assert (sub["employee_number"], sub["balance_cents"], sub["has_contract"]) == (
        "E-48213",
        0,
        False,
    )
    assert [h["action"] for h in sub["history"]] == ["request"]
    handle = temporal_client.get_workflow_handle(workflow_id(sub["id"]))
    assert (await handle.describe()).id == f"subscription-{sub['id']}"


async def test_a_start_date_in_the_past_is_refused(client, user, vehicle):
    yesterday = (today() - timedelta(days=1)).isoformat()
    body = request_body(HULL_DAS, [vehicle["id"]], requested_start=yesterday)
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)

    assert response.status_code == 422
    assert (response.json()["field"], response.json()["errors"][0]["code"]) == (
        "requested_start",
        "start_in_past",
    )
    assert "passé" in response.json()["message"]["fr"]


async def test_today_is_a_valid_start_date(client, user, vehicle):
    body = request_body(HULL_DAS, [vehicle["id"]], requested_start=today().isoformat())
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("consent", ["accept_terms", "understand_approval"])
@pytest.mark.parametrize("value", [False, None])
async def test_both_consents_are_required(client, user, vehicle, consent, value):
    body = request_body(HULL_DAS, [vehicle["id"]])
    if value is None:
        del body[consent]
    else:
        body[consent] = value
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)

    assert response.status_code == 422
    assert (response.json()["field"], response.json()["errors"][0]["code"]) == (
        consent,
        "consent_required",
    )


@pytest.mark.parametrize("vehicle_ids", [[], ["a", "b", "c"], ["a", "a"]])
async def test_one_or_two_vehicles_are_required(client, user, vehicle_ids):
    body = request_body(HULL_DAS, vehicle_ids)
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (
        422,
        "vehicles_required",
    )


async def test_the_employee_number_is_required(client, user, vehicle):
    body = request_body(HULL_DAS, [vehicle["id"]])
    del body["employee_number"]
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (response.json()["field"], response.json()["errors"][0]["code"]) == (
        "employee_number",
        "missing",
    )


async def test_an_unknown_offering_is_not_found(client, user, vehicle):
    body = request_body(987654321, [vehicle["id"]])
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (response.status_code, response.json()["error"]) == (404, "offering_not_found")


async def test_a_restricted_offering_is_not_found_for_a_regular_user(client, user, vehicle):
    body = request_body(HULL_RESERVED, [vehicle["id"]])
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (response.status_code, response.json()["error"]) == (404, "offering_not_found")


async def test_a_restricted_offering_can_be_requested_once_granted(client, users, user, vehicle):
    operator = await users(role="operator")
    await client.post(
        f"/v1/operator/offerings/{HULL_RESERVED}/grants",
        headers=operator.headers,
        json={"account_id": user.id},
    )
    body = request_body(HULL_RESERVED, [vehicle["id"]])
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert response.status_code == 201, response.text


async def test_a_pad_offering_asks_for_a_payment_method(client, user, vehicle):
    body = request_body(HULL_EVENING, [vehicle["id"]])
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (response.status_code, response.json()["errors"][0]["code"]) == (
        422,
        "payment_method_required",
    )


async def test_another_users_vehicle_cannot_be_used(client, users, user):
    other = await users()
    theirs = await add_vehicle(client, other)
    body = request_body(HULL_DAS, [theirs["id"]])
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (response.status_code, response.json()["error"]) == (404, "vehicle_not_found")


async def test_a_second_pending_request_for_the_same_offering_is_refused(client, user, vehicle):
    body = request_body(HULL_DAS, [vehicle["id"]])
    first = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert first.status_code == 201
    second = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert (second.status_code, second.json()["error"]) == (409, "duplicate_request")
    mine = await client.get("/v1/subscriptions", headers=user.headers)
    assert len(mine.json()) == 1


async def test_a_user_never_sees_another_users_subscription(client, users, user, vehicle, stack):
    other = await users()
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])

    assert (await client.get("/v1/subscriptions", headers=other.headers)).json() == []
    for method, path, body in [
        ("get", "", None),
        ("get", "/contract", None),
        ("post", "/withdrawal", {}),
        ("post", "/cancellation", {"date": today().isoformat()}),
        ("post", "/cancellation/preview", {"date": today().isoformat()}),
        ("delete", "/cancellation", None),
        ("post", "/modifications", {"vehicle_ids": [vehicle["id"]]}),
        ("post", "/payment-method-updated", None),
    ]:
        url = f"/v1/subscriptions/{subscription_id}{path}"
        theirs = await client.request(method, url, headers=other.headers, json=body)
        missing = await client.request(
            method, f"/v1/subscriptions/nope{path}", headers=other.headers, json=body
        )
        assert (theirs.status_code, theirs.json()) == (404, missing.json()), (method, path)
    mine = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
    assert mine.status_code == 200


async def test_a_cancellation_date_in_the_past_is_refused(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    yesterday = (today() - timedelta(days=1)).isoformat()
    for path in ("/cancellation", "/cancellation/preview"):
        response = await client.post(
            f"/v1/subscriptions/{subscription_id}{path}",
            headers=user.headers,
            json={"date": yesterday},
        )
        assert response.status_code == 422
        assert (response.json()["field"], response.json()["errors"][0]["code"]) == (
            "date",
            "date_in_past",
        )


async def test_a_pending_request_cannot_be_cancelled_or_modified(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    url = f"/v1/subscriptions/{subscription_id}"
    cancel = await client.post(
        f"{url}/cancellation", headers=user.headers, json={"date": today().isoformat()}
    )
    modify = await client.post(
        f"{url}/modifications", headers=user.headers, json={"vehicle_ids": [vehicle["id"]]}
    )
    unschedule = await client.delete(f"{url}/cancellation", headers=user.headers)
    card_updated = await client.post(f"{url}/payment-method-updated", headers=user.headers)
    assert (cancel.status_code, cancel.json()["error"]) == (409, "not_active")
    assert (card_updated.status_code, card_updated.json()["error"]) == (409, "not_active")
    assert (modify.status_code, modify.json()["error"]) == (409, "not_active")
    assert (unschedule.status_code, unschedule.json()["error"]) == (409, "not_active")
