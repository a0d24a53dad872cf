"""`decision_recorded`: the operator's decision recorded by the subscriptions service and
told to SubscriptionWorkflow through its outbox (issue 14), as an update whose validator checks
the operator's actor token. Time-skipping server, the activities replaced by `FakeService` as in
test_subscription_workflow.py."""

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.support.actors import signed
from tests.workflows.fake_subscriptions import (
    OPERATOR,
    FakeService,
    Handle,
    attributes,
    end_subscription,
    new_queue,
    running_worker,
    start,
    today,
    withdraw,
)
from tests.workflows.helpers import eventually
from workflows.subscription.models import RecordedDecision
from workflows.subscription.workflows import SubscriptionWorkflow


async def tell(env: WorkflowEnvironment, handle: Handle, recorded: RecordedDecision) -> None:
    """What the subscriptions service sends: the decision signed for the operator who made it,
    one update id per run (the relay telling it again joins the first)."""
    arg = await signed(env, handle, recorded, "decision_recorded", "operator", OPERATOR)
    await handle.execute_update(SubscriptionWorkflow.decision_recorded, arg, id="decision_recorded")


async def test_a_recorded_approval_brings_the_contract_then_its_email_once(
    env: WorkflowEnvironment,
) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        await eventually(lambda: service.emails() == ["subscription_received"])
        sub_id = handle.id.removeprefix("subscription-")
        row = service.rows[sub_id]
        row.status, row.start_date = "active", await today(env)  # what the service recorded
        recorded = RecordedDecision(snapshot=row.snapshot())

        await tell(env, handle, recorded)
        await tell(env, handle, recorded)  # the relay, again
        await eventually(lambda: "subscription_approved" in service.emails())
        state = await handle.query(SubscriptionWorkflow.status)
        assert (state.status, state.start_date) == ("active", row.start_date)
        assert (await attributes(handle))["SubscriptionStatus"] == "active"
        await end_subscription(env, handle)

    assert "approve" not in service.actions()  # the service had already made the change
    assert [c.idempotency_key for c in service.named("contract")] == [f"{handle.id}:contract"]
    assert service.emails().count("subscription_approved") == 1


async def test_a_recorded_refusal_ends_the_request_with_its_reason(
    env: WorkflowEnvironment,
) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        row = service.rows[handle.id.removeprefix("subscription-")]
        row.status = "refused"
        recorded = RecordedDecision(snapshot=row.snapshot(), reason="Aucune place disponible")
        await tell(env, handle, recorded)
        result = await handle.result()

    assert result.status == "refused"
    assert service.named("contract") == []
    [*_, refusal] = service.named("email")
    assert (refusal.kind, refusal.reason) == ("subscription_refused", "Aucune place disponible")


async def test_a_recorded_decision_without_the_operator_s_token_is_refused(
    env: WorkflowEnvironment,
) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        row = service.rows[handle.id.removeprefix("subscription-")]
        refused = row.snapshot().model_copy(update={"status": "refused"})
        forged = RecordedDecision(snapshot=refused, reason="Refusé par un tiers")
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(SubscriptionWorkflow.decision_recorded, forged)
        user_signed = await signed(env, handle, forged, "decision_recorded", "user", OPERATOR)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(SubscriptionWorkflow.decision_recorded, user_signed)
        state = await handle.query(SubscriptionWorkflow.status)
        assert state.status == "pending_approval"  # still waiting for a real decision
        assert (await withdraw(env, handle)).status == "withdrawn"
    assert "subscription_refused" not in service.emails()  # the forged refusal had no effect
