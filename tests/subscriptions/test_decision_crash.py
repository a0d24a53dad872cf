"""The subscriptions service killed between an operator's decision's commit and the signal to
its workflow: the decision stands, and the workflow still hears of it (contract, billing and the
approval email follow).

Real parts, as in test_request_crash.py: the subscriptions service as its own process with the
crash point `after-decision-commit` (it SIGKILLs itself right after the commit, before Temporal),
the session's Temporal dev server, worker and database. The decision's outbox entry, committed
with it, is delivered by a relay once a service runs again.
"""

import asyncio
import signal

import httpx
import pytest

from servicekit.faults import FAULT_POINT
from services.subscriptions.decisions import AFTER_DECISION_COMMIT
from tests.subscriptions.factories import GATINEAU_DAS, add_vehicle, request_body
from tests.subscriptions.test_request_crash import FACTORY, outbox_entries, service_env
from tests.support.processes import start_service, stop
from tests.support.waiting import eventually

__all__ = ["service_env"]  # the fixture, shared with the request's crash test


async def test_a_decision_committed_before_a_crash_reaches_its_workflow(
    service_env, client, users, stack
):  # type: ignore[no-untyped-def]
    user, operator = await users(), await users(role="operator")
    vehicle = await add_vehicle(client, user)
    created = await client.post(
        "/v1/subscriptions",
        headers=user.headers,
        json=request_body(GATINEAU_DAS, [vehicle["id"]]),
    )
    assert created.status_code == 201, created.text
    sub_id = created.json()["id"]

    process, url = await start_service(
        FACTORY, **service_env, **{FAULT_POINT: AFTER_DECISION_COMMIT}
    )
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            with pytest.raises(httpx.TransportError):  # the connection dropped: no answer
                await http.post(
                    f"/v1/operator/subscriptions/{sub_id}/decision",
                    headers=operator.headers,
                    json={"decision": "approve"},
                )
        assert await asyncio.wait_for(process.wait(), timeout=10) == -signal.SIGKILL
    finally:
        await stop(process)

    mine = await client.get(f"/v1/subscriptions/{sub_id}", headers=user.headers)
    assert mine.json()["status"] == "active"  # the decision was committed

    process, _ = await start_service(FACTORY, **service_env)  # the service is back, its relay too
    try:

        async def contract_ready() -> bool:
            mine = await client.get(f"/v1/subscriptions/{sub_id}", headers=user.headers)
            return bool(mine.json()["has_contract"])

        await eventually(contract_ready)
    finally:
        await stop(process)
    assert await outbox_entries(stack.database_urls["subscriptions"], sub_id) == 0
