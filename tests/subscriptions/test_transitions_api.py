"""The internal transitions the workflow's activities call: idempotent, audited, never
overselling an offering, and refusing what the state does not allow."""

import asyncio
import uuid
from datetime import timedelta

import pytest

from services.subscriptions.clock import today
from tests.subscriptions.factories import (
    HULL_DAS,
    active_row,
    add_vehicle,
    offering,
    pending_row,
    transition,
)


async def owner_view(client, user, subscription_id: str) -> dict:
    """The subscription as its owner's page reads it (labels, history)."""
    response = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def user(users):
    return await users()


@pytest.fixture
async def operator(users):
    return await users(role="operator")


@pytest.fixture
async def vehicle(client, user):
    return await add_vehicle(client, user)


async def test_internal_endpoints_need_the_service_token(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    url = f"/internal/v1/subscriptions/{subscription_id}/transitions"
    body = {"action": "approve", "actor": "system", "idempotency_key": "k"}

    anonymous = await client.post(url, json=body)
    as_user = await client.post(url, json=body, headers=user.headers)
    assert anonymous.status_code == 401 and as_user.status_code == 401
    assert (await client.get(f"/internal/v1/subscriptions/{subscription_id}")).status_code == 401


async def test_approval_starts_on_the_later_of_the_requested_day_and_today(
    client, user, vehicle, stack
):
    later = today() + timedelta(days=10)
    future_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]], start=later)
    approved = await transition(client, stack, future_id, "approve")

    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["start_date"]) == (
        "active",
        later.isoformat(),
    )
    body = await owner_view(client, user, future_id)
    assert body["status"] == "active" and body["decided_at"]
    # Not a plain « Actif » until the contract (issued after the first charge) is there.
    assert body["setup"] == "in_progress"
    assert body["status_label"]["fr"] == "Actif — contrat et premier paiement en préparation"
    assert [(h["action"], h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("request", None, "pending_approval"),
        ("approve", "pending_approval", "active"),
    ]


async def test_an_approval_after_the_requested_day_starts_today(
    client, users, stack, operator, ids
):
    user = await users()
    vehicle = await add_vehicle(client, user)
    made = await offering(client, operator, ids.next())
    subscription_id = await pending_row(stack, user, made["id"], [vehicle["id"]], start=today())
    # The requested day passes before anyone decides.
    async with stack.parts.transaction() as session:
        from services.subscriptions import repository as repo

        row = await repo.subscription(session, subscription_id)
        assert row is not None
        row.requested_start = today() - timedelta(days=5)
    approved = await transition(client, stack, subscription_id, "approve")
    assert approved.json()["start_date"] == today().isoformat()


async def test_a_repeated_key_changes_nothing(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    key = f"subscription-{subscription_id}:approve"
    first = await transition(client, stack, subscription_id, "approve", idempotency_key=key)
    again = await transition(client, stack, subscription_id, "approve", idempotency_key=key)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["status"] == "active"
    assert len((await owner_view(client, user, subscription_id))["history"]) == 2


async def test_a_transition_the_state_does_not_allow_is_a_conflict(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    for action in ("end", "schedule_cancellation", "withdraw_cancellation"):
        response = await transition(client, stack, subscription_id, action, date=None)
        assert (response.status_code, response.json()["error"]) == (409, "invalid_transition")
    await transition(client, stack, subscription_id, "withdraw", actor=user.id)
    late = await transition(client, stack, subscription_id, "approve")
    assert (late.status_code, late.json()["error"]) == (409, "invalid_transition")


async def test_a_refusal_needs_its_reason(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    missing = await transition(client, stack, subscription_id, "refuse", reason="  ")
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (422, "reason_required")

    refused = await transition(client, stack, subscription_id, "refuse", reason="Aucune place")
    assert (refused.json()["status"], refused.json()["refusal_reason"]) == (
        "refused",
        "Aucune place",
    )
    assert (await owner_view(client, user, subscription_id))["status_label"]["fr"] == "Refusée"


async def test_a_full_offering_refuses_the_approval_and_keeps_the_request_pending(
    client, users, stack, operator, ids
):
    made = await offering(client, operator, ids.next(), capacity=1)
    first_user, second_user = await users(), await users()
    first = await pending_row(
        stack, first_user, made["id"], [(await add_vehicle(client, first_user))["id"]]
    )
    second = await pending_row(
        stack, second_user, made["id"], [(await add_vehicle(client, second_user))["id"]]
    )

    assert (await transition(client, stack, first, "approve")).status_code == 200
    full = await transition(client, stack, second, "approve")
    assert (full.status_code, full.json()["error"]) == (409, "offering_full")
    detail = await client.get(f"/v1/subscriptions/{second}", headers=second_user.headers)
    assert detail.json()["status"] == "pending_approval"


async def test_two_approvals_for_the_last_space_leave_one_active(
    client, users, stack, operator, ids
):
    made = await offering(client, operator, ids.next(), capacity=1)
    pending = []
    for _ in range(2):
        user = await users()
        vehicle = await add_vehicle(client, user)
        pending.append((user, await pending_row(stack, user, made["id"], [vehicle["id"]])))

    responses = await asyncio.gather(
        *[transition(client, stack, sub_id, "approve") for _, sub_id in pending]
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    assert {r.json().get("error") for r in responses if r.status_code == 409} == {"offering_full"}
    listed = await client.get(
        "/v1/operator/offerings", params={"site_id": 1534}, headers=operator.headers
    )
    assert next(o for o in listed.json() if o["id"] == made["id"])["active_count"] == 1


async def test_cancellation_applies_the_notice_clause(client, user, vehicle, stack):
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    soon = today() + timedelta(days=3)
    scheduled = await transition(
        client, stack, subscription_id, "schedule_cancellation", date=soon.isoformat()
    )
    body = scheduled.json()
    assert body["status"] == "active"
    assert body["cancellation_effective"] == (today() + timedelta(days=30)).isoformat()
    mine = await owner_view(client, user, subscription_id)
    assert mine["cancellation_requested_for"] == soon.isoformat()

    far = today() + timedelta(days=200)
    moved = await transition(
        client, stack, subscription_id, "schedule_cancellation", date=far.isoformat()
    )
    assert moved.json()["cancellation_effective"] == far.isoformat()

    withdrawn = await transition(client, stack, subscription_id, "withdraw_cancellation")
    assert withdrawn.json()["cancellation_effective"] is None
    again = await transition(client, stack, subscription_id, "withdraw_cancellation")
    assert (again.status_code, again.json()["error"]) == (409, "invalid_transition")


async def test_the_end_sets_the_end_date_and_frees_the_space(client, user, vehicle, stack):
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    effective = today() + timedelta(days=30)
    await transition(
        client, stack, subscription_id, "schedule_cancellation", date=effective.isoformat()
    )
    ended = await transition(client, stack, subscription_id, "end")
    assert (ended.json()["status"], ended.json()["end_date"]) == ("ended", effective.isoformat())
    assert (await owner_view(client, user, subscription_id))["status_label"]["fr"] == "Terminé"
    count = await client.get(
        f"/internal/v1/accounts/{user.id}/active-subscriptions", headers=stack.internal
    )
    assert count.json() == {"count": 0}


async def test_history_shows_who_acted_in_which_role(client, user, vehicle, stack, operator):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    await transition(client, stack, subscription_id, "approve", actor=operator.id)
    detail = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
    assert [h["actor_role"] for h in detail.json()["history"]] == ["user", "operator"]
    assert "actor" not in detail.json()["history"][0]


async def test_a_transition_answers_what_the_workflow_reads(client, user, vehicle, stack):
    """One shape for the worker: the transition's answer is the internal `GET`'s."""
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]], start=today())
    approved = await transition(client, stack, subscription_id, "approve")
    read = await client.get(f"/internal/v1/subscriptions/{subscription_id}", headers=stack.internal)

    assert approved.status_code == read.status_code == 200
    assert approved.json() == read.json()
    assert (read.json()["status"], read.json()["start_date"]) == ("active", today().isoformat())


async def test_the_workflow_reads_what_it_needs(client, user, vehicle, stack):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    response = await client.get(
        f"/internal/v1/subscriptions/{subscription_id}", headers=stack.internal
    )
    body = response.json()
    assert (body["status"], body["account_id"], body["notice_days"]) == (
        "pending_approval",
        user.id,
        30,
    )
    assert body["offering_name"] == "Hôpital de Hull - Employé CISSSO"
    assert (body["access_type"], body["has_contract"]) == ("card", False)
    unknown = await client.get(f"/internal/v1/subscriptions/{uuid.uuid4()}", headers=stack.internal)
    assert unknown.status_code == 404


async def test_an_approval_whose_contract_is_late_says_so_until_it_is_issued(
    client, user, vehicle, stack
):
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])
    assert (await transition(client, stack, subscription_id, "approve")).status_code == 200
    async with stack.parts.transaction() as session:  # the worker has been away two minutes
        from services.subscriptions import repository as repo

        row = await repo.subscription(session, subscription_id)
        assert row is not None and row.decided_at is not None
        row.decided_at -= timedelta(minutes=2)
    mine = f"/v1/subscriptions/{subscription_id}"

    late = (await client.get(mine, headers=user.headers)).json()
    assert (late["status"], late["setup"]) == ("active", "late")
    assert late["status_label"] == {
        "fr": "Actif — contrat et premier paiement retardés",
        "en": "Active — contract and first payment delayed",
    }
    issued = await client.post(
        f"/internal/v1/subscriptions/{subscription_id}/contract",
        headers=stack.internal,
        json={"idempotency_key": f"{subscription_id}:contract"},
    )
    assert issued.status_code == 200, issued.text
    done = (await client.get(mine, headers=user.headers)).json()
    assert (done["setup"], done["status_label"]["fr"]) == (None, "Actif")
