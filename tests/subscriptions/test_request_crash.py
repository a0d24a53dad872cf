"""The subscriptions service killed between a request's commit and its workflow's start: the
request still gets its workflow, and the user and the operator can act on it.

Real parts: the subscriptions service as its own process (`uvicorn --factory`), run with the
crash point `after-request-commit`, so it SIGKILLs itself right after committing the request
and before calling Temporal; the session's Temporal dev server, worker and database. The client
sees its connection drop. Then a service process without the crash point serves the user and
the operator: the outbox entry committed with the request has the workflow started (by the
relay, or by the first update that finds no workflow), and approval and withdrawal work.
"""

import asyncio
import signal

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from servicekit.db import make_engine
from servicekit.faults import FAULT_POINT
from servicekit.settings import PlatformSettings
from services.subscriptions.endpoints import AFTER_REQUEST_COMMIT
from services.subscriptions.models import LifecycleOutbox
from tests.subscriptions.factories import GATINEAU_DAS, HULL_DAS, add_vehicle, request_body
from tests.support.processes import served, start_service, stop
from tests.support.waiting import eventually
from workflows.subscription.models import workflow_id

FACTORY = "services.subscriptions.main:create_app"


@pytest.fixture
async def service_env(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings, stack, temporal_env
):  # type: ignore[no-untyped-def]
    """What a subscriptions process needs: this session's database, Temporal, task queue, and
    identity (its JWKS) over real HTTP."""
    async with served(apps["identity"]) as identity_url:
        target = temporal_env.client.service_client.config.target_host
        yield {
            "SUBSCRIPTIONS_DATABASE_URL": stack.database_urls["subscriptions"],
            "PLATFORM_TEMPORAL_ADDRESS": target,
            "PLATFORM_TEMPORAL_NAMESPACE": temporal_env.client.namespace,
            "PLATFORM_TEMPORAL_TASK_QUEUE": platform_settings.temporal_task_queue,
            "PLATFORM_IDENTITY_URL": identity_url,
        }


async def request_killing_the_service(
    env: dict[str, str], user, offering_id: int, vehicle_id: str
) -> None:  # type: ignore[no-untyped-def]
    """POST the request to a service process that dies between the commit and Temporal."""
    process, url = await start_service(FACTORY, **env, **{FAULT_POINT: AFTER_REQUEST_COMMIT})
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            with pytest.raises(httpx.TransportError):  # the connection dropped: no answer
                await http.post(
                    "/v1/subscriptions",
                    headers=user.headers,
                    json=request_body(offering_id, [vehicle_id]),
                )
        assert await asyncio.wait_for(process.wait(), timeout=10) == -signal.SIGKILL
    finally:
        await stop(process)


async def pending_request(client: httpx.AsyncClient, user, offering_id: int) -> dict:  # type: ignore[no-untyped-def]
    mine = (await client.get("/v1/subscriptions", headers=user.headers)).json()
    [found] = [s for s in mine if s["offering"]["id"] == offering_id]
    assert found["status"] == "pending_approval"
    return found


async def has_workflow(temporal: Client, subscription_id: str) -> bool:
    try:
        await temporal.get_workflow_handle(workflow_id(subscription_id)).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def outbox_entries(database_url: str, subscription_id: str) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(LifecycleOutbox.subscription_id == subscription_id)
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_requests_stored_before_a_crash_get_their_workflow_and_can_be_decided(
    service_env, client, users, stack, temporal_env
):  # type: ignore[no-untyped-def]
    user, operator = await users(), await users(role="operator")
    vehicle = await add_vehicle(client, user)

    await request_killing_the_service(service_env, user, HULL_DAS, vehicle["id"])
    await request_killing_the_service(service_env, user, GATINEAU_DAS, vehicle["id"])
    to_withdraw = await pending_request(client, user, HULL_DAS)
    to_approve = await pending_request(client, user, GATINEAU_DAS)

    process, url = await start_service(FACTORY, **service_env)  # the service is back
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            withdrawn = await http.post(
                f"/v1/subscriptions/{to_withdraw['id']}/withdrawal", headers=user.headers
            )
            approved = await http.post(
                f"/v1/operator/subscriptions/{to_approve['id']}/decision",
                headers=operator.headers,
                json={"decision": "approve"},
            )
            again = await http.post(
                "/v1/subscriptions",
                headers=user.headers,
                json=request_body(HULL_DAS, [vehicle["id"]]),
            )
    finally:
        await stop(process)

    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    assert again.status_code == 201, again.text  # nothing left blocking a new request
    for sub in (to_withdraw, to_approve):
        assert await has_workflow(temporal_env.client, sub["id"])
        assert await outbox_entries(stack.database_urls["subscriptions"], sub["id"]) == 0
    mine = await client.get(f"/v1/subscriptions/{to_approve['id']}", headers=user.headers)
    assert mine.json()["status"] == "active"

    async def contract_ready() -> bool:  # the approval's follow-ups ran in the started workflow
        mine = await client.get(f"/v1/subscriptions/{to_approve['id']}", headers=user.headers)
        return bool(mine.json()["has_contract"])

    await eventually(contract_ready)
