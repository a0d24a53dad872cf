"""Anyone who reaches Temporal's frontend can send a workflow update without the platform's key
(`temporal workflow update execute ... --name decide`): the worker refuses its unencrypted input,
so the raw command fails and the request stays as it was; the operator's own decision, through
the service, still goes through afterwards."""

import asyncio
import json

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.subscriptions.test_lifecycle_api import decide, needs_workflow, submit
from tests.support.temporal import binary


@pytest.fixture
async def user(users):
    return await users()


@pytest.fixture
async def operator(users):
    return await users(role="operator")


async def raw_cli_update(temporal_env: WorkflowEnvironment, workflow_id: str) -> tuple[int, str]:
    """The update as an intruder sends it: the CLI's plain JSON, no codec, no service."""
    decision = {"decision": "refuse", "operator_id": "intruder", "reason": "Refusé par un tiers"}
    process = await asyncio.create_subprocess_exec(
        binary("temporal"),
        *("workflow", "update", "execute", "--workflow-id", workflow_id, "--name", "decide"),
        *("--input", json.dumps(decision)),
        *("--address", temporal_env.client.service_client.config.target_host),
        *("--namespace", temporal_env.client.namespace),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace")


@needs_workflow
async def test_a_raw_cli_decision_is_refused_and_changes_nothing(
    client, user, operator, temporal_env
):
    sub = await submit(client, user)
    workflow_id = f"subscription-{sub['id']}"

    status, output = await raw_cli_update(temporal_env, workflow_id)

    assert status != 0, output
    detail = await client.get(f"/v1/operator/subscriptions/{sub['id']}", headers=operator.headers)
    assert detail.json()["status"] == "pending_approval"
    approved = await decide(client, operator, sub["id"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] in ("approved", "active")
