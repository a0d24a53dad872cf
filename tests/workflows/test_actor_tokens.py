"""The subscription workflow's validators check who asked (servicekit/actor_token.py).

An update is accepted only with a token signed by the worker's key, for this workflow and this
update, from an actor of the right kind, not expired; the actor recorded is the one the token
names. Anything else is refused by the validator: nothing reaches the service and the
workflow's history holds no trace of the refused update.
"""

from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from servicekit.actor_token import ActorTokenKeys
from servicekit.settings import PlatformSettings
from tests.support.actors import platform_tokens
from tests.workflows.fake_subscriptions import (
    ACCOUNT,
    OPERATOR,
    FakeService,
    Handle,
    new_queue,
    running_worker,
    start,
    withdraw,
)
from tests.workflows.helpers import eventually
from workflows.registry import install_actor_keys
from workflows.subscription.actors import install_actor_keys as install_keys
from workflows.subscription.models import Decision
from workflows.subscription.workflows import SubscriptionWorkflow

UPDATE_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
}
OTHER_KEY = ActorTokenKeys("another-platform-s-key-0123456789abcdef", 120)


async def refusal(handle: Handle, decision: Decision) -> tuple[str | None, str]:
    """The code and the reason (`details[0]`) the validator refused `decide` with."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(SubscriptionWorkflow.decide, decision)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type, str(cause.details[0]) if cause.details else ""


async def update_trace(handle: Handle) -> list[EventType.ValueType]:
    """The history's events an accepted update leaves (accepted, completed, activities)."""
    history = await handle.fetch_history()
    return [e.event_type for e in history.events if e.event_type in UPDATE_EVENTS]


def refuse(token: str | None) -> Decision:
    return Decision(decision="refuse", reason="Refusé par un tiers", actor_token=token)


async def test_a_decision_with_the_service_s_token_records_the_actor_it_names(
    env: WorkflowEnvironment,
) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        now = await env.get_current_time()
        token = platform_tokens().issue("operator", OPERATOR, handle.id, "decide", now)
        # The field callers filled in before tokens is not who the workflow records.
        decision = Decision(decision="approve", operator_id="someone-else", actor_token=token)

        state = await handle.execute_update(SubscriptionWorkflow.decide, decision)

        assert state.status == "active"
        [approve] = [t for t in service.named("transition") if t.action == "approve"]
        assert approve.actor == OPERATOR
        await handle.terminate("test over")


async def test_absent_forged_expired_and_misdirected_tokens_are_refused_and_change_nothing(
    env: WorkflowEnvironment,
) -> None:
    service, queue = FakeService(), new_queue()
    tokens = platform_tokens()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        await eventually(lambda: service.emails() == ["subscription_received"])
        before = await update_trace(handle)
        now = await env.get_current_time()
        lifetime = PlatformSettings().actor_token_seconds
        valid = tokens.issue("operator", OPERATOR, handle.id, "decide", now).split(".")
        intruder = OTHER_KEY.issue("operator", "intruder", handle.id, "decide", now).split(".")
        cases = [
            ("missing", None),
            ("forged", OTHER_KEY.issue("operator", OPERATOR, handle.id, "decide", now)),
            # Another actor's claims under a valid token's signature.
            ("forged", ".".join((valid[0], intruder[1], valid[2]))),
            ("malformed", "not-a-token"),
            (
                "expired",
                tokens.issue(
                    "operator", OPERATOR, handle.id, "decide", now - timedelta(seconds=lifetime)
                ),
            ),
            (
                "other_workflow",
                tokens.issue("operator", OPERATOR, "subscription-another", "decide", now),
            ),
            (
                "other_action",
                tokens.issue("operator", OPERATOR, handle.id, "decide_modification", now),
            ),
            ("kind", tokens.issue("user", ACCOUNT, handle.id, "decide", now)),
        ]
        for reason, token in cases:
            assert await refusal(handle, refuse(token)) == ("actor_not_proven", reason)

        assert (await handle.query(SubscriptionWorkflow.status)).status == "pending_approval"
        assert service.named("transition") == []
        assert await update_trace(handle) == before
        # The request is still the operator's to decide; here the user withdraws it.
        assert (await withdraw(env, handle)).status == "withdrawn"
        await handle.result()
    [withdrawal] = service.named("transition")
    assert (withdrawal.action, withdrawal.actor) == ("withdraw", ACCOUNT)


async def test_a_worker_holding_no_key_refuses_every_update(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        now = await env.get_current_time()
        token = platform_tokens().issue("operator", OPERATOR, handle.id, "decide", now)
        install_keys(None)
        try:
            assert await refusal(handle, refuse(token)) == ("actor_not_proven", "no_key")
        finally:
            install_actor_keys(PlatformSettings())
        assert (await handle.query(SubscriptionWorkflow.status)).status == "pending_approval"
        await handle.terminate("test over")
