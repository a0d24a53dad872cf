"""Operator decisions through the API carry the service's signed actor token: the service records
the decision, then tells the workflow with the `decision_recorded` update signed for that
operator, which the workflow's validator accepts; a replica holding another key records the
decision but is refused by the validator, and its outbox entry waits until a replica with the
platform's key tells the workflow (servicekit/actor_token.py)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from servicekit.actor_token import read_claims
from servicekit.db import make_engine
from servicekit.settings import PlatformSettings
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app
from services.subscriptions.models import AuditEntry
from tests.subscriptions.factories import SUBSCRIPTIONS
from tests.subscriptions.test_lifecycle_api import decide, needs_workflow, submit
from tests.support.verifier import identity_verifier
from tests.support.waiting import eventually
from workflows.subscription.models import RecordedDecision

ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED


@pytest.fixture
async def user(users):
    return await users()


@pytest.fixture
async def operator(users):
    return await users(role="operator")


@pytest.fixture
async def misconfigured(
    apps: dict[str, FastAPI],
    database_urls: dict[str, str],
    platform_settings: PlatformSettings,
    temporal_env: WorkflowEnvironment,
) -> AsyncIterator[httpx.AsyncClient]:
    """A subscriptions replica whose actor token key is not the worker's."""
    other_key = platform_settings.model_copy(update={"actor_token_key": "x" * 64})
    app = create_app(
        # Its own relay idle: the entries it leaves are the platform service's to deliver.
        SubscriptionsSettings(
            database_url=database_urls["subscriptions"], outbox_relay_seconds=3600
        ),
        other_key,
        temporal_env.client,
        apps["http"],  # type: ignore[arg-type]
        identity_verifier(apps["identity"], other_key, apps["http"]),  # type: ignore[arg-type]
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=SUBSCRIPTIONS) as http:
            yield http


async def audited_actors(database_url: str, subscription_id: str) -> list[tuple[str, str, str]]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(AuditEntry.action, AuditEntry.actor, AuditEntry.actor_role).where(
                AuditEntry.subscription_id == subscription_id
            )
            return [tuple(row) for row in (await connection.execute(query)).all()]
    finally:
        await engine.dispose()


async def accepted_decisions(temporal_env: WorkflowEnvironment, workflow_id: str) -> list:
    """The `decision_recorded` inputs the workflow accepted, decoded as the worker reads them."""
    client = temporal_env.client
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    decisions = []
    for event in history.events:
        if event.event_type == ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            assert request.input.name == "decision_recorded"
            payloads = list(request.input.args.payloads)
            decisions += await client.data_converter.decode(payloads, [RecordedDecision])
    return decisions


@needs_workflow
async def test_an_operator_decision_carries_a_token_naming_the_operator(
    client, user, operator, temporal_env, database_urls
):
    sub = await submit(client, user)

    approved = await decide(client, operator, sub["id"])

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    workflow_id = f"subscription-{sub['id']}"
    await eventually(lambda: accepted_decisions(temporal_env, workflow_id))  # after the answer
    [decision] = await accepted_decisions(temporal_env, workflow_id)
    claims = read_claims(decision.actor_token)
    assert (claims.kind, claims.sub, claims.wf, claims.act) == (
        "operator",
        operator.id,
        f"subscription-{sub['id']}",
        "decision_recorded",
    )
    actors = await audited_actors(database_urls["subscriptions"], sub["id"])
    assert ("approve", operator.id, "operator") in actors


@needs_workflow
async def test_a_replica_holding_another_key_is_refused_and_the_decision_waits_for_the_right_one(
    client, misconfigured, user, operator, temporal_env, database_urls
):
    sub = await submit(client, user)
    workflow_id = f"subscription-{sub['id']}"

    recorded = await decide(misconfigured, operator, sub["id"])

    # The service is the source of truth: the decision stands; the workflow refuses the
    # replica's token, so its outbox entry stays until the platform's own service tells it.
    assert (recorded.status_code, recorded.json()["status"]) == (200, "active")
    actors = await audited_actors(database_urls["subscriptions"], sub["id"])
    assert ("approve", operator.id, "operator") in actors
    await eventually(lambda: accepted_decisions(temporal_env, workflow_id), timeout=30)
    [decision] = await accepted_decisions(temporal_env, workflow_id)
    assert read_claims(decision.actor_token).sub == operator.id
    detail = await client.get(f"/v1/operator/subscriptions/{sub['id']}", headers=operator.headers)
    assert detail.json()["status"] == "active"
