"""How `SubscriptionWorkflow` calls its activities: one table of timeouts and retries, one call.

No `maximum_attempts`: while a service or SMTP is down the step waits, retried every 10 s at
most (`workflows/retries.py`), and nothing is lost; the idempotency keys make every retry
harmless. Every activity heartbeats, so a killed worker's step is retried within seconds. What
no retry can fix comes back as a non-retryable `ApplicationError` whose `type` is the service's
error code (`offering_full`, `invalid_transition`, ...).

Workflow code: only the standard library and temporalio at top level, the rest passed through.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.retries import EMAIL_RETRY, HEARTBEAT_TIMEOUT, SERVICE_RETRY
    from workflows.subscription.activities import SubscriptionActivities
    from workflows.subscription.billing_activities import BillingActivities

ParamT = TypeVar("ParamT")
ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Options:
    start_to_close: timedelta
    retry: RetryPolicy


SERVICE = Options(timedelta(seconds=30), SERVICE_RETRY)
CONTRACT = Options(timedelta(seconds=60), SERVICE_RETRY)  # renders a PDF
EMAIL = Options(timedelta(seconds=60), EMAIL_RETRY)

OPTIONS: dict[Callable[..., Any], Options] = {
    SubscriptionActivities.transition: SERVICE,
    SubscriptionActivities.load: SERVICE,
    SubscriptionActivities.generate_contract: CONTRACT,
    SubscriptionActivities.email_user: EMAIL,
    SubscriptionActivities.email_service_centre: EMAIL,
    BillingActivities.charge: SERVICE,
    BillingActivities.credit: SERVICE,
    BillingActivities.payment_method: SERVICE,
    BillingActivities.release_payment_method: SERVICE,
}


async def execute(activity: Callable[[Any, ParamT], Awaitable[ResultT]], arg: ParamT) -> ResultT:
    """Run one activity with its options from `OPTIONS`."""
    options = OPTIONS[activity]
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=options.start_to_close,
        retry_policy=options.retry,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


def failure_type(error: ActivityError) -> str:
    """The `type` of the error an activity failed with (the service's code), or a generic one."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type:
        return cause.type
    return "activity_failed"
