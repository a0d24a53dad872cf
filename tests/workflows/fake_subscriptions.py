"""A stand-in for the subscriptions service's side of `SubscriptionWorkflow`, for the
time-skipping tests: `FakeService` keeps the rows (status, dates, idempotency keys, capacity,
the notice clause computed from the server's clock) and records every activity call; the
helpers start, decide and cancel workflows.

Billing activities are not faked here: the billing tests run the real ones against the real
payments service.
"""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.temporal import (
    CONTRACT_NUMBER,
    OFFERING_ID,
    SITE_ID,
    SUBSCRIPTION_ID,
    SUBSCRIPTION_STATUS,
)
from tests.support.actors import signed
from tests.workflows.helpers import eventually
from tests.workflows.helpers import running_worker as shared_worker
from tests.workflows.history_recording import started as record_started
from workflows.subscription.calendar import local_today
from workflows.subscription.models import (
    CancellationRequest,
    CancellationWithdrawal,
    ContractInput,
    ContractResult,
    Decision,
    EmailResult,
    LifecycleState,
    ModificationDecision,
    ModificationRequest,
    ServiceCentreEmailInput,
    SubscriptionInput,
    SubscriptionRef,
    SubscriptionSnapshot,
    TransitionInput,
    UserEmailInput,
    Withdrawal,
    workflow_id,
)
from workflows.subscription.workflows import SubscriptionWorkflow

SITE, OFFERING, OTHER_OFFERING = 1534, 7117, 7118
ACCOUNT, OPERATOR = "account-1", "operator-1"
Handle = WorkflowHandle[SubscriptionWorkflow, LifecycleState]

VALID = {  # action -> statuses it may start from (the service's rule, simplified)
    "approve": {"pending_approval"},
    "refuse": {"pending_approval"},
    "withdraw": {"pending_approval"},
    "expire": {"pending_approval"},
    "schedule_cancellation": {"active", "in_arrears"},
    "withdraw_cancellation": {"active", "in_arrears"},
    "end": {"active", "in_arrears"},
    "apply_modification": {"active"},
    "refuse_modification": {"active"},
    "fall_into_arrears": {"active"},
    "recover": {"in_arrears"},
}
NEXT = {
    "approve": "active",
    "refuse": "refused",
    "withdraw": "withdrawn",
    "expire": "expired",
    "end": "ended",
    "fall_into_arrears": "in_arrears",
    "recover": "active",
}


@dataclass
class Row:
    status: str = "pending_approval"
    requested_start: date | None = None
    start_date: date | None = None
    cancellation_effective: date | None = None
    offering_id: int = OFFERING
    billing_mode: str = "payroll"
    # Billing terms (None: the workflow sets up no billing, as for rows without an account).
    account_id: str | None = None
    payment_method_id: str | None = None
    monthly_price_cents: int | None = None

    def snapshot(self) -> SubscriptionSnapshot:
        return SubscriptionSnapshot.model_validate(self.__dict__)


@dataclass
class Call:
    name: str
    payload: Any
    at: datetime  # the server's clock when the activity was scheduled


@dataclass
class FakeService:
    """The subscriptions service's rows, idempotency keys and capacity; every call recorded."""

    notice_days: int = 30
    full_offerings: set[int] = field(default_factory=set)
    rows: dict[str, Row] = field(default_factory=dict)
    answers: dict[str, SubscriptionSnapshot] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="subscription_transition")
        async def transition(input: TransitionInput) -> SubscriptionSnapshot:
            self._record("transition", input)
            if input.idempotency_key in self.answers:
                return self.answers[input.idempotency_key]
            answer = self._transition(self.rows[input.subscription_id], input)
            self.answers[input.idempotency_key] = answer
            return answer

        @activity.defn(name="subscription_load")
        async def load(input: SubscriptionRef) -> SubscriptionSnapshot:
            self._record("load", input)
            return self.rows[input.subscription_id].snapshot()

        @activity.defn(name="subscription_generate_contract")
        async def generate_contract(input: ContractInput) -> ContractResult:
            self._record("contract", input)
            return ContractResult(contract_id=f"contract-{input.subscription_id}", language="fr")

        @activity.defn(name="subscription_email_user")
        async def email_user(input: UserEmailInput) -> EmailResult:
            self._record("email", input)
            return EmailResult(outcome="sent")

        @activity.defn(name="subscription_email_service_centre")
        async def email_service_centre(input: ServiceCentreEmailInput) -> EmailResult:
            self._record("centre", input)
            return EmailResult(outcome="sent")

        @activity.defn(name="subscription_release_payment_method")
        async def release_payment_method(input: SubscriptionRef) -> bool:
            self._record("release", input)
            return False  # no payment method on these rows

        return [
            transition,
            load,
            generate_contract,
            email_user,
            email_service_centre,
            release_payment_method,
        ]

    def _record(self, name: str, payload: Any) -> None:
        self.calls.append(Call(name, payload, activity.info().current_attempt_scheduled_time))

    def _transition(self, row: Row, input: TransitionInput) -> SubscriptionSnapshot:
        if row.status not in VALID[input.action]:
            raise ApplicationError("invalid", type="invalid_transition", non_retryable=True)
        today = local_today(activity.info().current_attempt_scheduled_time)
        if input.action == "approve":
            if row.offering_id in self.full_offerings:
                raise ApplicationError("full", type="offering_full", non_retryable=True)
            row.start_date = max(row.requested_start or today, today)
        elif input.action == "schedule_cancellation":
            assert input.requested_date is not None
            notice = today + timedelta(days=self.notice_days)
            row.cancellation_effective = max(input.requested_date, notice)
        elif input.action == "withdraw_cancellation":
            row.cancellation_effective = None
        elif input.action == "apply_modification":
            row.offering_id = OTHER_OFFERING
        row.status = NEXT.get(input.action, row.status)
        return row.snapshot()

    def named(self, name: str) -> list[Any]:
        return [c.payload for c in self.calls if c.name == name]

    def emails(self) -> list[str]:
        return [e.kind for e in self.named("email")]

    def actions(self) -> list[str]:
        return [t.action for t in self.named("transition")]

    def when(self, action: str) -> datetime:
        [at] = [c.at for c in self.calls if c.name == "transition" and c.payload.action == action]
        return at


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment, service: FakeService, queue: str, **options: Any
) -> AsyncIterator[Worker]:
    async with shared_worker(env, service.activities(), queue, **options) as worker:
        yield worker


def new_queue() -> str:
    return f"subscription-tests-{uuid.uuid4()}"


async def start(
    env: WorkflowEnvironment,
    service: FakeService,
    queue: str,
    billing: str = "payroll",
    row: Row | None = None,
    **kwargs: Any,
) -> Handle:
    subscription_id = str(uuid.uuid4())
    carried = kwargs.get("carried_state")
    status = carried.status if carried else "pending_approval"
    service.rows[subscription_id] = row or Row(status=status, billing_mode=billing)
    handle = await env.client.start_workflow(
        SubscriptionWorkflow.run,
        SubscriptionInput(
            subscription_id=subscription_id,
            contract_number="10095259",
            site_id=SITE,
            offering_id=OFFERING,
            **kwargs,
        ),
        id=workflow_id(subscription_id),
        task_queue=queue,
    )
    record_started(handle.id, handle.result_run_id)
    return handle


async def decide(
    env: WorkflowEnvironment, handle: Handle, decision: str, reason: str | None = None
) -> LifecycleState:
    """The operator's decision, with the token the subscriptions service would sign."""
    arg = Decision(decision=decision, reason=reason)  # type: ignore[arg-type]
    arg = await signed(env, handle, arg, "decide", "operator", OPERATOR)
    return await handle.execute_update(SubscriptionWorkflow.decide, arg)


async def cancel_at(env: WorkflowEnvironment, handle: Handle, day: date) -> LifecycleState:
    """The user's cancellation at `day`, with the token the subscriptions service would sign."""
    arg = CancellationRequest(requested_date=day)
    arg = await signed(env, handle, arg, "schedule_cancellation", "user", ACCOUNT)
    return await handle.execute_update(SubscriptionWorkflow.schedule_cancellation, arg)


async def withdraw(env: WorkflowEnvironment, handle: Handle) -> LifecycleState:
    """The user withdraws the pending request."""
    arg = await signed(env, handle, Withdrawal(), "withdraw", "user", ACCOUNT)
    return await handle.execute_update(SubscriptionWorkflow.withdraw, arg)


async def withdraw_cancellation(env: WorkflowEnvironment, handle: Handle) -> LifecycleState:
    """The user withdraws the scheduled cancellation."""
    arg = await signed(
        env, handle, CancellationWithdrawal(), "withdraw_cancellation", "user", ACCOUNT
    )
    return await handle.execute_update(SubscriptionWorkflow.withdraw_cancellation, arg)


async def request_modification(
    env: WorkflowEnvironment, handle: Handle, modification_id: str
) -> LifecycleState:
    """The service tells the workflow of the user's modification request."""
    arg = ModificationRequest(modification_id=modification_id)
    arg = await signed(env, handle, arg, "request_modification", "user", ACCOUNT)
    return await handle.execute_update(SubscriptionWorkflow.request_modification, arg)


async def decide_modification(
    env: WorkflowEnvironment,
    handle: Handle,
    modification_id: str,
    decision: str,
    reason: str | None = None,
) -> LifecycleState:
    """The operator applies or refuses a modification."""
    arg = ModificationDecision(
        decision=decision,  # type: ignore[arg-type]
        modification_id=modification_id,
        reason=reason,
    )
    arg = await signed(env, handle, arg, "decide_modification", "operator", OPERATOR)
    return await handle.execute_update(SubscriptionWorkflow.decide_modification, arg)


async def rejection(update: Any) -> str | None:
    """The `type` an update was refused with (by its validator or its handler)."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await update
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.type


async def attributes(handle: Handle) -> dict[str, str | None]:
    found = (await handle.describe()).typed_search_attributes
    keys = (SUBSCRIPTION_ID, CONTRACT_NUMBER, SUBSCRIPTION_STATUS, SITE_ID, OFFERING_ID)
    return {key.name: found.get(key) for key in keys}


async def today(env: WorkflowEnvironment) -> date:
    return local_today(await env.get_current_time())


async def end_subscription(env: WorkflowEnvironment, handle: Handle) -> LifecycleState:
    """Cancel today (the notice clause applies) and let the workflow end."""
    await cancel_at(env, handle, await today(env))
    return await handle.result()


async def approved(env: WorkflowEnvironment, service: FakeService, queue: str) -> Handle:
    handle = await start(env, service, queue)
    await decide(env, handle, "approve")
    await eventually(lambda: "subscription_approved" in service.emails())
    return handle


async def sleep_until(env: WorkflowEnvironment, instant: datetime) -> None:
    await env.sleep(instant - await env.get_current_time())
