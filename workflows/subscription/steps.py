"""How the workflow calls each activity: timeouts, retries, and reading their failures.

No `maximum_attempts`: while a service or SMTP is down the step waits, retried every 10 s at
most (`workflows/retries.py`), and nothing is lost; the idempotency keys make every retry
harmless. Every step heartbeats, so a killed worker's step is retried within seconds. What no
retry can fix comes back as a non-retryable `ApplicationError` whose `type` is the service's
error code (`offering_full`, `invalid_transition`, ...).
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.retries import EMAIL_RETRY, HEARTBEAT_TIMEOUT, SERVICE_RETRY
    from workflows.subscription.activities import SubscriptionActivities
    from workflows.subscription.billing_activities import BillingActivities
    from workflows.subscription.models import (
        ChargeInput,
        ChargeResult,
        ContractInput,
        ContractResult,
        CreditInput,
        EmailResult,
        PaymentMethodInfo,
        PaymentMethodRef,
        ServiceCentreEmailInput,
        SubscriptionRef,
        SubscriptionSnapshot,
        TransitionInput,
        UserEmailInput,
    )

SERVICE_TIMEOUT = timedelta(seconds=30)
CONTRACT_TIMEOUT = timedelta(seconds=60)  # renders a PDF
EMAIL_TIMEOUT = timedelta(seconds=60)


def failure_type(error: ActivityError) -> str:
    """The `type` of the error an activity failed with (the service's code), or a generic one."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type:
        return cause.type
    return "activity_failed"


async def transition(input: TransitionInput) -> SubscriptionSnapshot:
    """One state change in the subscriptions service."""
    return await workflow.execute_activity_method(
        SubscriptionActivities.transition,
        input,
        start_to_close_timeout=SERVICE_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def load(subscription_id: str) -> SubscriptionSnapshot:
    """The subscription as the service has it."""
    return await workflow.execute_activity_method(
        SubscriptionActivities.load,
        SubscriptionRef(subscription_id=subscription_id),
        start_to_close_timeout=SERVICE_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def generate_contract(input: ContractInput) -> ContractResult:
    """Generate and store the contract PDF (once per key)."""
    return await workflow.execute_activity_method(
        SubscriptionActivities.generate_contract,
        input,
        start_to_close_timeout=CONTRACT_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def email_user(input: UserEmailInput) -> EmailResult:
    """An email to the account holder."""
    return await workflow.execute_activity_method(
        SubscriptionActivities.email_user,
        input,
        start_to_close_timeout=EMAIL_TIMEOUT,
        retry_policy=EMAIL_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def email_service_centre(input: ServiceCentreEmailInput) -> EmailResult:
    """An email to the service centre."""
    return await workflow.execute_activity_method(
        SubscriptionActivities.email_service_centre,
        input,
        start_to_close_timeout=EMAIL_TIMEOUT,
        retry_policy=EMAIL_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def charge(input: ChargeInput) -> ChargeResult:
    """A charge in the payments service (once per key: every retry is harmless)."""
    return await workflow.execute_activity_method(
        BillingActivities.charge,
        input,
        start_to_close_timeout=SERVICE_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def credit(input: CreditInput) -> None:
    """A credit on the account's balance (once per key)."""
    await workflow.execute_activity_method(
        BillingActivities.credit,
        input,
        start_to_close_timeout=SERVICE_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def payment_method(input: PaymentMethodRef) -> PaymentMethodInfo:
    """The kind of the subscription's payment method."""
    return await workflow.execute_activity_method(
        BillingActivities.payment_method,
        input,
        start_to_close_timeout=SERVICE_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


async def release_payment_method(subscription_id: str) -> bool:
    """Delete the payment method (and cheque specimen) of a request that closed unapproved."""
    return await workflow.execute_activity_method(
        BillingActivities.release_payment_method,
        SubscriptionRef(subscription_id=subscription_id),
        start_to_close_timeout=SERVICE_TIMEOUT,
        retry_policy=SERVICE_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )
