"""SubscriptionWorkflow on the time-skipping server.

The activities are replaced by functions registered under the real activity names. `FakeService`
stands for the subscriptions service's database (status, dates, idempotency keys, capacity, the
notice clause computed from the server's clock) and records every activity call, so a test can
count emails and transitions. Every test drives its workflow to completion: a workflow left
waiting would stop the shared server from skipping time once its worker is gone.

Set `RECORD_SUBSCRIPTION_HISTORY=1` to record their histories (`history_recording.py`).
"""

from datetime import date, datetime, time, timedelta

from temporalio.testing import WorkflowEnvironment

from tests.workflows.fake_subscriptions import (
    ACCOUNT,
    OFFERING,
    OPERATOR,
    OTHER_OFFERING,
    FakeService,
    approved,
    attributes,
    cancel_at,
    decide,
    decide_modification,
    end_subscription,
    new_queue,
    rejection,
    request_modification,
    running_worker,
    sleep_until,
    start,
    today,
    withdraw,
    withdraw_cancellation,
)
from tests.workflows.helpers import eventually
from workflows.subscription.calendar import MONTREAL, start_of_day
from workflows.subscription.models import CarriedState
from workflows.subscription.workflows import SubscriptionWorkflow


async def test_approval_activates_with_the_contract(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        await eventually(lambda: service.emails() == ["subscription_received"])
        assert (await handle.query(SubscriptionWorkflow.status)).status == "pending_approval"
        assert await attributes(handle) == {
            "SubscriptionId": handle.id.removeprefix("subscription-"),
            "ContractNumber": "10095259",
            "SubscriptionStatus": "pending_approval",
            "SiteId": "1534",
            "OfferingId": "7117",
        }

        state = await decide(env, handle, "approve")
        assert state.status == "active"
        assert state.start_date == await today(env)
        await eventually(lambda: "subscription_approved" in service.emails())
        assert (await attributes(handle))["SubscriptionStatus"] == "active"
        assert await rejection(decide(env, handle, "approve")) == "not_pending"
        await end_subscription(env, handle)

    [approve] = [t for t in service.named("transition") if t.action == "approve"]
    assert (approve.actor, approve.idempotency_key) == (OPERATOR, f"{handle.id}:approve:0")
    assert [c.idempotency_key for c in service.named("contract")] == [f"{handle.id}:contract"]
    [_, approval, *_] = service.named("email")
    assert approval.attach_contract is True
    assert approval.key == f"{handle.id}:email:subscription_approved"
    contract_at = next(i for i, c in enumerate(service.calls) if c.name == "contract")
    email_at = next(i for i, c in enumerate(service.calls) if c.payload is approval)
    assert contract_at < email_at  # the PDF exists before the email that attaches it


async def test_refusal_needs_a_reason_and_tells_it(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        assert await rejection(decide(env, handle, "refuse")) == "reason_required"
        assert await rejection(decide(env, handle, "refuse", "  ")) == "reason_required"
        state = await decide(env, handle, "refuse", "Emploi non admissible")
        result = await handle.result()

    assert state.status == result.status == "refused"
    [refuse] = service.named("transition")
    assert (refuse.action, refuse.reason) == ("refuse", "Emploi non admissible")
    assert service.emails() == ["subscription_received", "subscription_refused"]
    assert service.named("email")[1].reason == "Emploi non admissible"
    assert service.named("contract") == []
    assert (await attributes(handle))["SubscriptionStatus"] == "refused"


async def test_user_withdraws_the_pending_request(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        state = await withdraw(env, handle)
        result = await handle.result()

    assert state.status == result.status == "withdrawn"
    [withdrawal] = service.named("transition")
    assert (withdrawal.action, withdrawal.actor) == ("withdraw", ACCOUNT)
    assert service.emails() == ["subscription_received", "subscription_withdrawn"]
    assert (await attributes(handle))["SubscriptionStatus"] == "withdrawn"


async def test_service_centre_is_reminded_after_three_days(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        started = (await handle.describe()).start_time
        assert started is not None
        await env.sleep(timedelta(days=2, hours=23))
        assert service.named("centre") == []
        await env.sleep(timedelta(hours=2))
        await eventually(lambda: len(service.named("centre")) == 1)
        assert (await handle.query(SubscriptionWorkflow.status)).status == "pending_approval"
        await withdraw(env, handle)
        await handle.result()

    [reminder] = service.named("centre")
    assert reminder.kind == "subscription_reminder"
    assert (reminder.contract_number, reminder.waiting_days) == ("10095259", 3)
    [at] = [c.at for c in service.calls if c.name == "centre"]
    assert timedelta(days=3) <= at - started < timedelta(days=3, minutes=1)


async def test_undecided_request_expires_after_thirty_days(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        result = await handle.result()  # skips the thirty days
        started = (await handle.describe()).start_time
        assert started is not None

    assert result.status == "expired"
    assert service.actions() == ["expire"]
    assert service.named("transition")[0].actor == "system"
    assert timedelta(days=30) <= service.when("expire") - started < timedelta(days=30, minutes=1)
    assert service.emails() == ["subscription_received", "subscription_expired"]
    assert len(service.named("centre")) == 1  # the reminder came first
    assert (await attributes(handle))["SubscriptionStatus"] == "expired"


async def test_full_offering_keeps_the_request_pending(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(full_offerings={OFFERING}), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        assert await rejection(decide(env, handle, "approve")) == "offering_full"
        state = await handle.query(SubscriptionWorkflow.status)
        assert (state.status, state.error) == ("pending_approval", "offering_full")
        assert (await attributes(handle))["SubscriptionStatus"] == "pending_approval"

        refused = await decide(env, handle, "refuse", "Aucune place disponible")
        result = await handle.result()

    assert (refused.status, refused.error) == ("refused", None)
    assert result.status == "refused"
    assert service.actions() == ["approve", "refuse"]
    assert service.named("contract") == []
    assert service.emails() == ["subscription_received", "subscription_refused"]


async def test_approval_after_a_space_frees_up_uses_a_new_key(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(full_offerings={OFFERING}), new_queue()
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue)
        assert await rejection(decide(env, handle, "approve")) == "offering_full"
        service.full_offerings.clear()
        assert (await decide(env, handle, "approve")).status == "active"
        await end_subscription(env, handle)

    keys = [t.idempotency_key for t in service.named("transition") if t.action == "approve"]
    assert keys == [f"{handle.id}:approve:0", f"{handle.id}:approve:1"]


async def test_cancellation_waits_for_the_notice_clause(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(notice_days=30), new_queue()
    now = (await env.get_current_time()).astimezone(MONTREAL)
    year = now.year if (now.month, now.day) < (1, 10) else now.year + 1
    await sleep_until(env, datetime.combine(date(year, 1, 10), time(12), MONTREAL))
    async with running_worker(env, service, queue):
        handle = await approved(env, service, queue)
        assert await rejection(cancel_at(env, handle, date(year, 1, 9))) == "date_in_past"

        state = await cancel_at(env, handle, date(year, 1, 15))  # on Jan 10, 30 days' notice
        assert state.cancellation_effective == date(year, 2, 9)
        await eventually(lambda: "subscription_cancellation_scheduled" in service.emails())

        await sleep_until(env, datetime.combine(date(year, 2, 8), time(23), MONTREAL))
        assert (await handle.query(SubscriptionWorkflow.status)).status == "active"
        assert "end" not in service.actions()
        result = await handle.result()

    assert result.status == "ended"
    midnight = start_of_day(date(year, 2, 9))
    assert midnight <= service.when("end") < midnight + timedelta(minutes=1)
    assert service.emails() == [
        "subscription_received",
        "subscription_approved",
        "subscription_cancellation_scheduled",
        "subscription_ended",
    ]
    assert service.named("email")[2].effective_date == date(year, 2, 9)
    assert service.named("email")[3].effective_date == date(year, 2, 9)
    assert (await attributes(handle))["SubscriptionStatus"] == "ended"


async def test_a_moved_cancellation_date_moves_the_timer(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(notice_days=30), new_queue()
    async with running_worker(env, service, queue):
        handle = await approved(env, service, queue)
        first = (await cancel_at(env, handle, await today(env))).cancellation_effective
        assert first is not None
        later = first + timedelta(days=120)  # months ahead, across a DST change
        assert (await cancel_at(env, handle, later)).cancellation_effective == later

        await sleep_until(env, start_of_day(first) + timedelta(days=1))
        assert (await handle.query(SubscriptionWorkflow.status)).status == "active"
        result = await handle.result()

    assert result.status == "ended"
    assert start_of_day(later) <= service.when("end") < start_of_day(later) + timedelta(minutes=1)
    keys = [t.idempotency_key for t in service.named("transition")]
    assert f"{handle.id}:schedule_cancellation:0" in keys
    assert f"{handle.id}:schedule_cancellation:1" in keys


async def test_user_withdraws_a_scheduled_cancellation(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(notice_days=30), new_queue()
    async with running_worker(env, service, queue):
        handle = await approved(env, service, queue)
        nothing = withdraw_cancellation(env, handle)
        assert await rejection(nothing) == "no_cancellation"
        effective = (await cancel_at(env, handle, await today(env))).cancellation_effective
        assert effective is not None

        state = await withdraw_cancellation(env, handle)
        assert state.cancellation_effective is None
        await sleep_until(env, start_of_day(effective) + timedelta(days=2))
        assert (await handle.query(SubscriptionWorkflow.status)).status == "active"
        assert "end" not in service.actions()
        await end_subscription(env, handle)

    keys = [t.idempotency_key for t in service.named("transition")][1:]
    assert keys == [
        f"{handle.id}:schedule_cancellation:0",
        f"{handle.id}:withdraw_cancellation:0",
        f"{handle.id}:schedule_cancellation:1",
        f"{handle.id}:end",
    ]
    assert service.emails().count("subscription_cancellation_withdrawn") == 1


async def test_modifications_are_applied_or_refused(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    async with running_worker(env, service, queue):
        handle = await approved(env, service, queue)
        state = await request_modification(env, handle, "m1")
        assert state.pending_modification_id == "m1"
        again = request_modification(env, handle, "m2")
        assert await rejection(again) == "modification_pending"
        state = await decide_modification(env, handle, "m1", "approve")
        assert state.pending_modification_id is None
        assert (await attributes(handle))["OfferingId"] == str(OTHER_OFFERING)

        await request_modification(env, handle, "m2")
        unknown = decide_modification(env, handle, "m9", "approve")
        assert await rejection(unknown) == "modification_not_pending"
        no_reason = decide_modification(env, handle, "m2", "refuse")
        assert await rejection(no_reason) == "reason_required"
        await decide_modification(env, handle, "m2", "refuse", "Véhicule non admissible")
        await eventually(lambda: "subscription_modification_refused" in service.emails())
        await end_subscription(env, handle)

    [applied] = [t for t in service.named("transition") if t.action == "apply_modification"]
    assert (applied.modification_id, applied.idempotency_key) == (
        "m1",
        f"{handle.id}:apply_modification:m1",
    )
    assert [c.modification_id for c in service.named("centre")] == ["m1", "m2"]
    [refusal] = [t for t in service.named("transition") if t.action == "refuse_modification"]
    assert (refusal.modification_id, refusal.reason) == ("m2", "Véhicule non admissible")
    assert refusal.idempotency_key == f"{handle.id}:refuse_modification:m2"
    [refused] = [e for e in service.named("email") if e.kind == "subscription_modification_refused"]
    assert refused.reason == "Véhicule non admissible"
    assert service.emails().count("subscription_modification_applied") == 1


async def test_worker_restart_repeats_no_email_or_transition(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    # The time-skipping server never moves a task off a stopped worker's sticky queue (a real
    # server does after 10 s), so the first worker keeps no cache and takes no sticky queue.
    async with running_worker(env, service, queue, max_cached_workflows=0):
        handle = await approved(env, service, queue)

    async with running_worker(env, service, queue):  # replays the history from the start
        state = await cancel_at(env, handle, await today(env))
        assert state.status == "active"
        result = await handle.result()

    assert result.status == "ended"
    assert service.actions() == ["approve", "schedule_cancellation", "end"]
    assert service.emails() == [
        "subscription_received",
        "subscription_approved",
        "subscription_cancellation_scheduled",
        "subscription_ended",
    ]
    assert len(service.named("contract")) == 1


async def test_a_continued_subscription_keeps_its_state(env: WorkflowEnvironment) -> None:
    service, queue = FakeService(), new_queue()
    effective = await today(env) + timedelta(days=10)
    carried = CarriedState(
        status="active",
        start_date=date(2026, 1, 1),
        billing_mode="payroll",
        cancellation_effective=effective,
        cancellations=2,
    )
    async with running_worker(env, service, queue):
        handle = await start(env, service, queue, carried_state=carried)
        state = await handle.query(SubscriptionWorkflow.status)
        assert (state.status, state.cancellation_effective) == ("active", effective)
        result = await handle.result()

    assert result.status == "ended"
    assert service.emails() == ["subscription_ended"]  # no second "request received"
    assert start_of_day(effective) <= service.when("end")
    assert (await attributes(handle))["SubscriptionStatus"] == "ended"
