"""The subscriptions side of billing: the payment method chosen at the request (checked with the
real payments service), the `in_arrears` state the workflow moves a subscription to and from,
and the signal that tells the workflow the card was updated."""

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from services.subscriptions.clock import today
from tests.identity.helpers import PASSWORD
from tests.payments.factories import PDF, card_body, pad_form
from tests.subscriptions.factories import (
    GATINEAU_DAS,
    HULL_DAS,
    HULL_EVENING,
    PLATE_SITE,
    active_row,
    add_vehicle,
    offering,
    pending_row,
    request_body,
    transition,
)
from tests.support.waiting import eventually
from workflows.subscription.models import workflow_id

PAYMENTS = "http://payments.test"


@pytest.fixture
async def user(users):
    return await users()


@pytest.fixture
async def vehicle(client, user):
    return await add_vehicle(client, user)


@pytest.fixture
def payments_http(apps) -> httpx.AsyncClient:
    """The session's client that reaches the in-process payments app at http://payments.test."""
    return apps["http"]


async def add_card(payments_http: httpx.AsyncClient, user) -> dict:
    """A VISA card saved through the payments service's own API, with the user's token."""
    response = await payments_http.post(
        f"{PAYMENTS}/v1/payment-methods/card",
        json=(await card_body(payments_http)),
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def request(client, user, offering_id, vehicle, **changes) -> httpx.Response:
    body = request_body(offering_id, [vehicle["id"]], **changes)
    return await client.post("/v1/subscriptions", headers=user.headers, json=body)


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["field"], body["errors"][0]["code"]


# The payment method of a request ----------------------------------------------------------------


async def test_a_pad_request_is_billed_to_the_callers_card(
    client, user, vehicle, payments_http, stack
):
    card = await add_card(payments_http, user)

    response = await request(client, user, HULL_EVENING, vehicle, payment_method_id=card["id"])

    assert response.status_code == 201, response.text
    sub = response.json()
    assert (sub["billing_mode"], sub["payment_method_id"]) == ("pad", card["id"])
    mine = await client.get(f"/v1/subscriptions/{sub['id']}", headers=user.headers)
    assert mine.json()["payment_method_id"] == card["id"]
    internal = await client.get(f"/internal/v1/subscriptions/{sub['id']}", headers=stack.internal)
    assert internal.json()["payment_method_id"] == card["id"]


async def test_a_pad_request_needs_a_payment_method(client, user, vehicle):
    response = await request(client, user, HULL_EVENING, vehicle)

    assert refusal(response) == (422, "payment_method_id", "payment_method_required")
    assert "paiement" in response.json()["message"]["fr"]
    assert (await client.get("/v1/subscriptions", headers=user.headers)).json() == []


async def test_another_users_payment_method_is_not_found(
    client, users, user, vehicle, payments_http
):
    theirs = await add_card(payments_http, await users())

    for method_id in (theirs["id"], str(uuid.uuid4()), "../../v1/payment-methods"):
        response = await request(client, user, HULL_EVENING, vehicle, payment_method_id=method_id)
        assert refusal(response) == (422, "payment_method_id", "payment_method_not_found")
    assert response.json()["message"] == {
        "fr": "Mode de paiement introuvable.",
        "en": "Payment method not found.",
    }
    assert (await client.get("/v1/subscriptions", headers=user.headers)).json() == []


async def test_a_payroll_request_takes_no_payment_method(client, user, vehicle, payments_http):
    card = await add_card(payments_http, user)

    refused = await request(client, user, HULL_DAS, vehicle, payment_method_id=card["id"])
    assert refusal(refused) == (422, "payment_method_id", "payment_method_not_applicable")

    accepted = await request(client, user, HULL_DAS, vehicle, payment_method_id=None)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["payment_method_id"] is None


async def test_with_payments_turned_off_a_pad_offering_is_refused(
    client, user, vehicle, payments_http, stack, monkeypatch
):
    card = await add_card(payments_http, user)
    monkeypatch.setattr(stack.parts.settings, "payments_enabled", False)

    response = await request(client, user, HULL_EVENING, vehicle, payment_method_id=card["id"])

    assert (response.status_code, response.json()["error"]) == (409, "payment_required")
    assert "DAS" in response.json()["message"]["fr"]
    assert (await request(client, user, HULL_DAS, vehicle)).status_code == 201


async def test_the_payroll_export_reads_the_employee_number_and_establishment(
    client, user, vehicle, stack
):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])

    internal = await client.get(
        f"/internal/v1/subscriptions/{subscription_id}", headers=stack.internal
    )

    body = internal.json()
    assert (body["employee_number"], body["payment_method_id"]) == ("E-48213", None)
    assert body["establishment"] == "CISSS de l'Outaouais"


# Arrears --------------------------------------------------------------------------------------


async def test_arrears_are_entered_and_left_once_per_key_and_audited(client, user, vehicle, stack):
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    key = f"subscription-{subscription_id}:arrears:0"

    fallen = await transition(
        client, stack, subscription_id, "fall_into_arrears", idempotency_key=key
    )
    assert fallen.status_code == 200, fallen.text
    assert fallen.json()["status"] == "in_arrears"
    mine = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
    assert mine.json()["status_label"] == {"fr": "En retard de paiement", "en": "In arrears"}
    repeated = await transition(
        client, stack, subscription_id, "fall_into_arrears", idempotency_key=key
    )
    assert repeated.status_code == 200 and repeated.json()["status"] == "in_arrears"
    twice = await transition(client, stack, subscription_id, "fall_into_arrears")
    assert (twice.status_code, twice.json()["error"]) == (409, "invalid_transition")

    recovered = await transition(client, stack, subscription_id, "recover")
    assert recovered.json()["status"] == "active"
    mine = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
    history = [(h["action"], h["from_status"], h["to_status"]) for h in mine.json()["history"]]
    assert history[-2:] == [
        ("fall_into_arrears", "active", "in_arrears"),
        ("recover", "in_arrears", "active"),
    ]
    again = await transition(client, stack, subscription_id, "recover")
    assert (again.status_code, again.json()["error"]) == (409, "invalid_transition")


async def test_only_an_active_subscription_falls_into_arrears(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    for action in ("fall_into_arrears", "recover"):
        response = await transition(client, stack, subscription_id, action)
        assert (response.status_code, response.json()["error"]) == (409, "invalid_transition")


async def test_a_subscription_in_arrears_can_be_cancelled_and_ended(client, user, vehicle, stack):
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    await transition(client, stack, subscription_id, "fall_into_arrears")
    effective = today() + timedelta(days=30)

    scheduled = await transition(
        client, stack, subscription_id, "schedule_cancellation", date=today().isoformat()
    )
    assert (scheduled.json()["status"], scheduled.json()["cancellation_effective"]) == (
        "in_arrears",
        effective.isoformat(),
    )
    withdrawn = await transition(client, stack, subscription_id, "withdraw_cancellation")
    assert withdrawn.json()["cancellation_effective"] is None
    ended = await transition(client, stack, subscription_id, "end")
    assert (ended.json()["status"], ended.json()["end_date"]) == ("ended", today().isoformat())


async def test_a_plate_is_refused_while_its_subscription_is_in_arrears(
    client, user, vehicle, stack
):
    subscription_id = await active_row(client, stack, user, GATINEAU_DAS, [vehicle["id"]])

    async def authorized() -> bool:
        response = await client.get(
            "/v1/plate-check",
            params={"site_id": PLATE_SITE, "plate": vehicle["plate"]},
            headers=stack.internal,
        )
        return bool(response.json()["authorized"])

    assert await authorized() is True
    await transition(client, stack, subscription_id, "fall_into_arrears")
    assert await authorized() is False
    await transition(client, stack, subscription_id, "recover")
    assert await authorized() is True


async def test_an_account_in_arrears_cannot_be_deleted(client, user, vehicle, stack, identity):
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    await transition(client, stack, subscription_id, "fall_into_arrears")

    deletion = await identity.post(
        "/v1/me/deletion", headers=user.headers, json={"password": PASSWORD}
    )

    assert (deletion.status_code, deletion.json()["error"]) == (409, "active_subscription")
    count = await client.get(
        f"/internal/v1/accounts/{user.id}/active-subscriptions", headers=stack.internal
    )
    assert count.json() == {"count": 1}


async def test_a_subscription_in_arrears_keeps_its_space(client, users, stack, ids):
    operator = await users(role="operator")
    made = await offering(client, operator, ids.next(), capacity=1)
    first, second = await users(), await users()
    # The second request came while the space was free, so it is not on the waitlist.
    second_id = await pending_row(
        stack, second, made["id"], [(await add_vehicle(client, second))["id"]]
    )
    first_id = await active_row(
        client, stack, first, made["id"], [(await add_vehicle(client, first))["id"]]
    )
    await transition(client, stack, first_id, "fall_into_arrears")

    full = await transition(client, stack, second_id, "approve")

    assert (full.status_code, full.json()["error"]) == (409, "offering_full")
    assert (await transition(client, stack, first_id, "recover")).json()["status"] == "active"


# What the owner may do in arrears, through the real workflow ------------------------------------


async def approved(client, user, operator, vehicle) -> str:
    """A payroll subscription requested and approved through the API (the real workflow)."""
    response = await request(client, user, HULL_DAS, vehicle, requested_start=today().isoformat())
    assert response.status_code == 201, response.text
    subscription_id = response.json()["id"]
    decided = await client.post(
        f"/v1/operator/subscriptions/{subscription_id}/decision",
        headers=operator.headers,
        json={"decision": "approve"},
    )
    assert decided.status_code == 200, decided.text

    async def contract_issued() -> bool:  # the workflow's approval steps are done
        mine = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
        return bool(mine.json()["has_contract"])

    await eventually(contract_issued)
    return subscription_id


async def signals_received(temporal_client, subscription_id: str) -> list[str]:
    """The signals in the workflow's history, as the Web UI shows them."""
    handle = temporal_client.get_workflow_handle(workflow_id(subscription_id))
    return [
        event.workflow_execution_signaled_event_attributes.signal_name
        async for event in handle.fetch_history_events()
        if event.HasField("workflow_execution_signaled_event_attributes")
    ]


async def test_an_updated_card_is_signalled_to_the_workflow(
    client, users, user, vehicle, stack, temporal_client
):
    operator = await users(role="operator")
    subscription_id = await approved(client, user, operator, vehicle)
    await transition(client, stack, subscription_id, "fall_into_arrears")
    url = f"/v1/subscriptions/{subscription_id}/payment-method-updated"

    response = await client.post(url, headers=user.headers)

    assert response.status_code == 202, response.text

    async def card_signals() -> list[str]:  # the decision came as a signal too, before
        received = await signals_received(temporal_client, subscription_id)
        return [name for name in received if name != "decision_recorded"]

    assert await eventually(card_signals) == ["payment_method_updated"]
    other = await users()
    theirs = await client.post(url, headers=other.headers)
    missing = await client.post(f"/v1/subscriptions/{uuid.uuid4()}/payment-method-updated")
    assert (theirs.status_code, theirs.json()["error"]) == (404, "subscription_not_found")
    assert missing.status_code == 401


async def test_an_updated_card_on_a_request_not_yet_active_is_refused(
    client, user, vehicle, stack, temporal_client
):
    response = await request(client, user, HULL_DAS, vehicle)
    subscription_id = response.json()["id"]

    refused = await client.post(
        f"/v1/subscriptions/{subscription_id}/payment-method-updated", headers=user.headers
    )

    assert (refused.status_code, refused.json()["error"]) == (409, "not_active")
    assert await signals_received(temporal_client, subscription_id) == []


async def test_the_owner_cancels_a_subscription_in_arrears(client, users, user, vehicle, stack):
    operator = await users(role="operator")
    subscription_id = await approved(client, user, operator, vehicle)
    await transition(client, stack, subscription_id, "fall_into_arrears")
    url = f"/v1/subscriptions/{subscription_id}/cancellation"
    chosen = {"date": today().isoformat()}
    effective = (today() + timedelta(days=30)).isoformat()

    preview = await client.post(f"{url}/preview", headers=user.headers, json=chosen)
    assert preview.json()["effective"] == effective
    scheduled = await client.post(url, headers=user.headers, json=chosen)

    assert scheduled.status_code == 200, scheduled.text
    assert (scheduled.json()["status"], scheduled.json()["cancellation_effective"]) == (
        "in_arrears",
        effective,
    )
    modification = await client.post(
        f"/v1/subscriptions/{subscription_id}/modifications",
        headers=user.headers,
        json={"vehicle_ids": [vehicle["id"]]},
    )
    assert (modification.status_code, modification.json()["error"]) == (409, "not_active")


async def test_a_withdrawn_request_loses_its_bank_account_and_cheque_specimen(
    client, user, vehicle, payments_http, worker, payments_settings
):
    added = await payments_http.post(
        f"{PAYMENTS}/v1/payment-methods/pad",
        data=pad_form(),
        files={"specimen": ("cheque.pdf", PDF, "application/pdf")},
        headers=user.headers,
    )
    assert added.status_code == 201, added.text
    specimens = Path(payments_settings.specimen_dir)
    before = set(specimens.iterdir())
    method_id = added.json()["id"]
    sub = await request(client, user, HULL_EVENING, vehicle, payment_method_id=method_id)
    assert sub.status_code == 201, sub.text

    url = f"/v1/subscriptions/{sub.json()['id']}/withdrawal"
    assert (await client.post(url, headers=user.headers, json={})).status_code == 200

    async def released() -> bool:
        listed = await payments_http.get(f"{PAYMENTS}/v1/payment-methods", headers=user.headers)
        return listed.json() == []

    await eventually(released, timeout=20)
    assert len(before - set(specimens.iterdir())) == 1  # the specimen file is gone


async def test_a_modification_cannot_change_how_the_subscription_is_paid(
    client, user, vehicle, stack
):
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])

    response = await client.post(
        f"/v1/subscriptions/{subscription_id}/modifications",
        headers=user.headers,
        json={"offering_id": HULL_EVENING},  # the same site, billed by pre-authorized debit
    )

    assert refusal(response) == (422, "offering_id", "billing_mode_differs")
    assert "nouvelle demande" in response.json()["message"]["fr"]
