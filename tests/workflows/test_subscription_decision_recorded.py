"""`decision_recorded`: the operator's decision recorded by the subscriptions service and
signalled to SubscriptionWorkflow through its outbox (issue 14). Time-skipping server, the
activities replaced by `FakeService` as in test_subscription_workflow.py."""

from temporalio.testing import WorkflowEnvironment

from tests.workflows.fake_subscriptions import (
    FakeService,
    attributes,
    end_subscription,
    new_queue,
    running_worker,
    start,
    today,
)
from tests.workflows.helpers import eventually
from workflows.subscription.models import RecordedDecision
from workflows.subscription.workflows import SubscriptionWorkflow


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

        await handle.signal(SubscriptionWorkflow.decision_recorded, recorded)
        await handle.signal(SubscriptionWorkflow.decision_recorded, recorded)  # the relay, again
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
        await handle.signal(SubscriptionWorkflow.decision_recorded, recorded)
        result = await handle.result()

    assert result.status == "refused"
    assert service.named("contract") == []
    [*_, refusal] = service.named("email")
    assert (refusal.kind, refusal.reason) == ("subscription_refused", "Aucune place disponible")
