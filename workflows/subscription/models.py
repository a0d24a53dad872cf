"""Payloads of `SubscriptionWorkflow` (`subscription-<id>`): ids, dates and decisions only.

The subscriptions service starts the workflow and sends it updates; the workflow's activities
write every state change back through the service's idempotent internal endpoints.
"""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

WORKFLOW_NAME = "SubscriptionWorkflow"
# Update names the subscriptions service sends (each has a validator in the workflow).
DECIDE = "decide"
WITHDRAW = "withdraw"
SCHEDULE_CANCELLATION = "schedule_cancellation"
WITHDRAW_CANCELLATION = "withdraw_cancellation"
REQUEST_MODIFICATION = "request_modification"
DECIDE_MODIFICATION = "decide_modification"
STATUS_QUERY = "status"
# Signal the subscriptions service sends when the user updated the card: retry what is owed now.
PAYMENT_METHOD_UPDATED = "payment_method_updated"

SubscriptionState = Literal[
    "pending_approval", "active", "in_arrears", "refused", "withdrawn", "expired", "ended"
]


def workflow_id(subscription_id: str) -> str:
    return f"subscription-{subscription_id}"


BillingMode = Literal["pad", "payroll"]


class CarriedState(BaseModel):
    """What continue-as-new carries from one run of an active subscription to the next."""

    status: SubscriptionState
    start_date: date | None = None
    billing_mode: BillingMode | None = None
    cancellation_effective: date | None = None
    cancellations: int = 0  # cancellations scheduled so far: the `n` of the next keys
    pending_modification_id: str | None = None


class SubscriptionInput(BaseModel):
    """Start of the lifecycle; the search attributes come from here (no personal data)."""

    subscription_id: str = Field(min_length=1)
    contract_number: str
    site_id: int
    offering_id: int
    reminder_after_days: int = 3
    expire_after_days: int = 30
    carried_state: CarriedState | None = None  # set only by continue-as-new


class Decision(BaseModel):
    """An operator's decision on a request or a modification."""

    decision: Literal["approve", "refuse"]
    operator_id: str
    reason: str | None = Field(default=None, max_length=500)


class ModificationDecision(Decision):
    modification_id: str


class Withdrawal(BaseModel):
    """The user withdraws the pending request ("Annuler cette demande de service")."""

    account_id: str


class CancellationRequest(BaseModel):
    """The user picks a date; the effective date applies the notice clause."""

    account_id: str
    requested_date: date


class CancellationWithdrawal(BaseModel):
    account_id: str


class PaymentMethodUpdated(BaseModel):
    """The user replaced the card ("Mettre à jour la carte de crédit")."""

    account_id: str


class ModificationRequest(BaseModel):
    """A change of vehicles or of offering at the same site, recorded by the service first."""

    account_id: str
    modification_id: str


class LifecycleState(BaseModel):
    """Answer of the `status` query and of every update."""

    subscription_id: str
    status: SubscriptionState
    start_date: date | None = None
    cancellation_effective: date | None = None
    pending_modification_id: str | None = None
    error: str | None = None  # a stable code when an update was refused by the service


# --- Added for the workflow and its activities (nothing above is renamed). ---

TransitionAction = Literal[
    "approve",
    "refuse",
    "withdraw",
    "expire",
    "schedule_cancellation",
    "withdraw_cancellation",
    "end",
    "apply_modification",
    "refuse_modification",
    "fall_into_arrears",
    "recover",
]
# Emails to the account holder (rendered in the account's language).
UserEmailKind = Literal[
    "subscription_received",
    "subscription_approved",
    "subscription_refused",
    "subscription_withdrawn",
    "subscription_expired",
    "subscription_cancellation_scheduled",
    "subscription_cancellation_withdrawn",
    "subscription_ended",
    "subscription_modification_applied",
    "subscription_modification_refused",
]
# Emails to the service centre's address (from `WorkflowSettings`, rendered in French).
ServiceCentreEmailKind = Literal["subscription_reminder", "subscription_modification_requested"]
EmailOutcome = Literal["sent", "account_not_found"]


class TransitionInput(BaseModel):
    """One state change written by the subscriptions service (idempotent by `idempotency_key`)."""

    subscription_id: str
    action: TransitionAction
    actor: str  # an account id, or "system" for the workflow's own timers
    idempotency_key: str
    reason: str | None = None
    requested_date: date | None = None  # sent as `date`
    modification_id: str | None = None


class SubscriptionSnapshot(BaseModel):
    """The fields of the service's subscription the workflow acts on (no personal data)."""

    status: SubscriptionState
    start_date: date | None = None
    cancellation_effective: date | None = None
    billing_mode: BillingMode | None = None
    offering_id: int | None = None


class ContractInput(BaseModel):
    subscription_id: str
    idempotency_key: str


class ContractResult(BaseModel):
    contract_id: str
    language: str


class SubscriptionRef(BaseModel):
    subscription_id: str


class UserEmailInput(BaseModel):
    """An email to the account holder; the activity looks the address up, `key` dedupes it."""

    subscription_id: str
    kind: UserEmailKind
    key: str
    reason: str | None = None
    effective_date: date | None = None
    attach_contract: bool = False


class ServiceCentreEmailInput(BaseModel):
    """A note to the service centre about one request (ids only)."""

    subscription_id: str
    contract_number: str
    kind: ServiceCentreEmailKind
    key: str
    waiting_days: int | None = None
    modification_id: str | None = None


class EmailResult(BaseModel):
    outcome: EmailOutcome
