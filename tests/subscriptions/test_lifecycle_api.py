"""The request journey end to end: the API starts the real workflow on the dev server, operators
decide through updates, and the workflow writes back through the internal endpoints."""

import asyncio
from datetime import date, timedelta

import httpx
import pytest

from servicekit.settings import PlatformSettings
from services.subscriptions.clock import today
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app
from tests.subscriptions.factories import (
    GATINEAU_DAS,
    HULL_DAS,
    SUBSCRIPTIONS,
    add_vehicle,
    offering,
    request_body,
    vehicle_body,
)
from tests.support.verifier import identity_verifier
from tests.support.waiting import eventually
from workflows.registry import WORKFLOWS
from workflows.subscription.workflows import SubscriptionWorkflow

REGISTERED = any(
    getattr(w, "__temporal_workflow_definition").name == "SubscriptionWorkflow" for w in WORKFLOWS
)
needs_workflow = pytest.mark.skipif(not REGISTERED, reason="SubscriptionWorkflow not registered")


async def submit(client, user, offering_id=HULL_DAS, start=None, vehicles=None):
    vehicles = vehicles or [(await add_vehicle(client, user))["id"]]
    body = request_body(offering_id, vehicles)
    if start is not None:
        body["requested_start"] = start.isoformat()
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def decide(client, operator, subscription_id, decision="approve", reason=None):
    return await client.post(
        f"/v1/operator/subscriptions/{subscription_id}/decision",
        headers=operator.headers,
        json={"decision": decision, "reason": reason},
    )


@pytest.fixture
async def user(users):
    return await users()


@pytest.fixture
async def operator(users):
    return await users(role="operator")


@needs_workflow
async def test_a_request_approved_by_an_operator_becomes_active_with_its_contract(
    client, user, operator
):
    sub = await submit(client, user, start=today())

    queue = await client.get("/v1/operator/requests", headers=operator.headers)
    assert sub["id"] in [r["id"] for r in queue.json()]
    detail = await client.get(f"/v1/operator/subscriptions/{sub['id']}", headers=operator.headers)
    assert detail.json()["workflow_id"] == f"subscription-{sub['id']}"
    assert detail.json()["account_id"] == user.id
    # the Temporal UI operators use: /temporal/ on the portal's origin (conftest's platform)
    assert detail.json()["workflow_url"] == (
        f"https://portal.test/temporal/namespaces/default/workflows/subscription-{sub['id']}"
    )

    by_user = await decide(client, user, sub["id"])
    assert by_user.status_code == 403
    approved = await decide(client, operator, sub["id"])

    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["start_date"]) == (
        "active",
        today().isoformat(),
    )

    async def contract_ready() -> bool:
        mine = await client.get(f"/v1/subscriptions/{sub['id']}", headers=user.headers)
        return bool(mine.json()["has_contract"])

    await eventually(contract_ready)
    pdf = await client.get(f"/v1/subscriptions/{sub['id']}/contract", headers=user.headers)
    assert pdf.content.startswith(b"%PDF")
    again = await decide(client, operator, sub["id"])
    assert (again.status_code, again.json()["error"]) == (409, "not_pending")


@needs_workflow
async def test_a_refusal_needs_a_reason_and_is_shown_to_the_user(client, user, operator):
    sub = await submit(client, user)

    missing = await decide(client, operator, sub["id"], "refuse")
    assert (missing.status_code, missing.json()["errors"][0]["code"]) == (422, "reason_required")
    refused = await decide(client, operator, sub["id"], "refuse", "Aucune place disponible")
    assert refused.status_code == 200, refused.text
    mine = await client.get(f"/v1/subscriptions/{sub['id']}", headers=user.headers)
    assert (mine.json()["status"], mine.json()["refusal_reason"]) == (
        "refused",
        "Aucune place disponible",
    )


@needs_workflow
async def test_the_user_withdraws_a_pending_request(client, user):
    sub = await submit(client, user)
    url = f"/v1/subscriptions/{sub['id']}/withdrawal"

    withdrawn = await client.post(url, headers=user.headers, json={})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["status_label"]["fr"] == "Annulée"
    again = await client.post(url, headers=user.headers, json={})
    assert (again.status_code, again.json()["error"]) == (409, "not_pending")


@needs_workflow
async def test_a_full_offering_is_reported_to_the_operator(client, users, operator, ids):
    made = await offering(client, operator, ids.next(), capacity=1)
    first = await submit(client, await users(), made["id"])
    second = await submit(client, await users(), made["id"])

    assert (await decide(client, operator, first["id"])).status_code == 200
    full = await decide(client, operator, second["id"])
    assert (full.status_code, full.json()["error"]) == (409, "offering_full")


@needs_workflow
@pytest.mark.server_clock  # the workflow's timer runs on the server's clock, the notice on ours
async def test_a_cancellation_is_scheduled_with_the_notice_then_withdrawn(
    client, user, operator, temporal_env
):
    sub = await submit(client, user, start=today())
    await decide(client, operator, sub["id"])
    url = f"/v1/subscriptions/{sub['id']}/cancellation"
    soon = today() + timedelta(days=2)

    preview = await client.post(
        f"{url}/preview", headers=user.headers, json={"date": soon.isoformat()}
    )
    expected = (today() + timedelta(days=30)).isoformat()
    assert preview.json() == {
        "requested": soon.isoformat(),
        "effective": expected,
        "notice_days": 30,
    }
    scheduled = await client.post(url, headers=user.headers, json={"date": soon.isoformat()})
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["cancellation_effective"] == expected
    # What the operator sees in the Web UI: the workflow holds the effective date, and its
    # durable timer never sleeps past it (it wakes earlier when a billing day comes first).
    held = await eventually(lambda: _cancellation_held(temporal_env, sub["id"]))
    assert held.isoformat() == expected
    fires_in = await eventually(lambda: _next_timer(temporal_env, sub["id"]))
    assert timedelta(0) < fires_in <= timedelta(days=30)

    withdrawn = await client.delete(url, headers=user.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["cancellation_effective"] is None
    again = await client.delete(url, headers=user.headers)
    assert (again.status_code, again.json()["error"]) == (409, "no_cancellation")


@needs_workflow
async def test_an_operator_cancels_for_the_subscriber_then_withdraws_it_audited(
    client, user, operator, temporal_env
):
    sub = await submit(client, user, start=today())
    await decide(client, operator, sub["id"])
    url = f"/v1/operator/subscriptions/{sub['id']}/cancellation"
    soon = (today() + timedelta(days=2)).isoformat()
    assert (await client.post(url, headers=user.headers, json={"date": soon})).status_code == 403

    scheduled = await client.post(url, headers=operator.headers, json={"date": soon})
    assert scheduled.status_code == 200, scheduled.text
    expected = (today() + timedelta(days=30)).isoformat()  # the same notice clause
    assert scheduled.json()["cancellation_effective"] == expected
    held = await eventually(lambda: _cancellation_held(temporal_env, sub["id"]))
    assert held.isoformat() == expected
    entry = scheduled.json()["history"][-1]
    assert (entry["action"], entry["actor_role"]) == ("schedule_cancellation", "operator")

    assert (await client.delete(url, headers=user.headers)).status_code == 403
    withdrawn = await client.delete(url, headers=operator.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["cancellation_effective"] is None
    entry = withdrawn.json()["history"][-1]
    assert (entry["action"], entry["actor_role"]) == ("withdraw_cancellation", "operator")
    again = await client.delete(url, headers=operator.headers)
    assert (again.status_code, again.json()["error"]) == (409, "no_cancellation")


@needs_workflow
async def test_a_change_of_vehicles_is_applied_once_an_operator_approves(client, user, operator):
    first, second = await add_vehicle(client, user), await add_vehicle(client, user)
    sub = await submit(client, user, GATINEAU_DAS, today(), [first["id"]])
    await decide(client, operator, sub["id"])

    requested = await client.post(
        f"/v1/subscriptions/{sub['id']}/modifications",
        headers=user.headers,
        json={"vehicle_ids": [second["id"]]},
    )
    assert requested.status_code == 201, requested.text
    assert requested.json()["status"] == "pending"
    twice = await client.post(
        f"/v1/subscriptions/{sub['id']}/modifications",
        headers=user.headers,
        json={"vehicle_ids": [first["id"]]},
    )
    assert (twice.status_code, twice.json()["error"]) == (409, "modification_pending")

    decided = await client.post(
        f"/v1/operator/modifications/{requested.json()['id']}/decision",
        headers=operator.headers,
        json={"decision": "approve"},
    )
    assert decided.status_code == 200, decided.text
    mine = (await client.get(f"/v1/subscriptions/{sub['id']}", headers=user.headers)).json()
    assert [v["id"] for v in mine["vehicles"]] == [second["id"]]
    assert mine["pending_modification"] is None


@needs_workflow
async def test_editing_a_vehicle_of_an_active_subscription_waits_for_an_operator(
    client, user, operator
):
    vehicle = await add_vehicle(client, user, plate="OLD111")
    sub = await submit(client, user, start=today(), vehicles=[vehicle["id"]])
    await decide(client, operator, sub["id"])

    edited = await client.put(
        f"/v1/vehicles/{vehicle['id']}", headers=user.headers, json=vehicle_body("NEW222")
    )
    assert edited.status_code == 202, edited.text
    assert (await client.get("/v1/vehicles", headers=user.headers)).json()[0]["plate"] == "OLD111"

    decided = await client.post(
        f"/v1/operator/modifications/{edited.json()['modification_id']}/decision",
        headers=operator.headers,
        json={"decision": "approve"},
    )
    assert decided.status_code == 200, decided.text
    assert (await client.get("/v1/vehicles", headers=user.headers)).json()[0]["plate"] == "NEW222"


async def test_operators_search_by_contract_number_plate_or_account(client, users, operator):
    user = await users()
    vehicle = await add_vehicle(client, user)
    sub = await submit(client, user, vehicles=[vehicle["id"]])
    for q in (sub["contract_number"], vehicle["plate"].lower(), user.id):
        found = await client.get("/v1/operator/search", params={"q": q}, headers=operator.headers)
        assert sub["id"] in [s["id"] for s in found.json()], q
    as_user = await client.get("/v1/operator/search", params={"q": user.id}, headers=user.headers)
    assert as_user.status_code == 403


async def test_without_temporal_a_request_is_refused_and_not_kept(
    stack, users, platform_settings: PlatformSettings, apps, database_urls
):
    user = await users()
    unreachable = platform_settings.model_copy(update={"temporal_address": "127.0.0.1:9"})
    settings = SubscriptionsSettings(
        database_url=database_urls["subscriptions"], temporal_connect_seconds=0.2
    )
    app = create_app(
        settings, unreachable, verifier=identity_verifier(apps["identity"], unreachable)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SUBSCRIPTIONS) as client:
            vehicle = await add_vehicle(client, user)
            body = request_body(HULL_DAS, [vehicle["id"]])
            response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
            assert (response.status_code, response.json()["error"]) == (503, "service_unavailable")
            assert (await client.get("/v1/subscriptions", headers=user.headers)).json() == []
            # Reads keep working while Temporal is away.
            assert (await client.get("/v1/sites", headers=user.headers)).status_code == 200


@needs_workflow
async def test_operators_find_the_lifecycle_by_contract_number_and_status(
    client, user, operator, temporal_env
):
    sub = await submit(client, user, start=today())
    await decide(client, operator, sub["id"])
    query = (
        f"ContractNumber = '{sub['contract_number']}' AND SubscriptionStatus = 'active'"
        f" AND SiteId = '{sub['site']['id']}'"
    )

    async def found() -> list[str]:
        return [w.id async for w in temporal_env.client.list_workflows(query)]

    assert await eventually(found) == [f"subscription-{sub['id']}"]
    pending = (
        f"ContractNumber = '{sub['contract_number']}' AND SubscriptionStatus = 'pending_approval'"
    )
    assert [w.id async for w in temporal_env.client.list_workflows(pending)] == []


async def _cancellation_held(temporal_env, subscription_id: str) -> date | None:
    """The effective date the running workflow waits for (its `status` query)."""
    handle = temporal_env.client.get_workflow_handle_for(
        SubscriptionWorkflow.run, f"subscription-{subscription_id}"
    )
    state = await handle.query(SubscriptionWorkflow.status)
    return state.cancellation_effective


async def _next_timer(temporal_env, subscription_id: str) -> timedelta | None:
    """How far ahead the workflow's latest durable timer fires (its history, as the Web UI
    shows it; a run just continued-as-new has none yet)."""
    handle = temporal_env.client.get_workflow_handle(f"subscription-{subscription_id}")
    timers = [
        event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        async for event in handle.fetch_history_events()
        if event.HasField("timer_started_event_attributes")
    ]
    return timers[-1] if timers else None


async def decide_with_key(client, operator, subscription_id, key, decision="approve", reason=None):
    return await client.post(
        f"/v1/operator/subscriptions/{subscription_id}/decision",
        headers=operator.headers,
        json={"decision": decision, "reason": reason, "idempotency_key": key},
    )


@needs_workflow
async def test_an_approval_retried_with_its_form_key_answers_200_with_the_state(
    client, user, operator, users
):
    sub = await submit(client, user, start=today())
    key = "form-7b1f0c2e9a"

    # The operator's browser sends it twice at once (a dropped connection, a retry).
    first, retried = await asyncio.gather(
        decide_with_key(client, operator, sub["id"], key),
        decide_with_key(client, operator, sub["id"], key),
    )
    later = await decide_with_key(client, operator, sub["id"], key)

    for answer in (first, retried, later):
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "active"
    history = [h["action"] for h in later.json()["history"]]
    assert history.count("approve") == 1
    # Another form, another decision or another operator is not a retry of this one.
    other_form = await decide_with_key(client, operator, sub["id"], "form-other-key1")
    assert (other_form.status_code, other_form.json()["error"]) == (409, "not_pending")
    refusal = await decide_with_key(client, operator, sub["id"], key, "refuse", "Complet")
    assert (refusal.status_code, refusal.json()["error"]) == (409, "not_pending")
    colleague = await users(role="operator")
    theirs = await decide_with_key(client, colleague, sub["id"], key)
    assert (theirs.status_code, theirs.json()["error"]) == (409, "not_pending")


@needs_workflow
async def test_a_refusal_retried_after_its_workflow_ended_answers_200(client, user, operator):
    sub = await submit(client, user)
    key = "form-3d9e55a1c0"

    refused = await decide_with_key(client, operator, sub["id"], key, "refuse", "Complet")
    assert refused.status_code == 200, refused.text
    retried = await decide_with_key(client, operator, sub["id"], key, "refuse", "Complet")

    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["refusal_reason"]) == ("refused", "Complet")
