"""Payloads of `SubscriptionWorkflow` (`subscription-<id>`): ids, dates and decisions only.

The subscriptions service starts the workflow and sends it updates; the workflow's activities
write every state change back through the service's idempotent internal endpoints.
"""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from servicekit.lifecycle import ActionCode, DecisionCode, StatusCode

# The workflow type, for visibility queries (clients call it by `SubscriptionWorkflow.run`).
WORKFLOW_NAME = "SubscriptionWorkflow"

# The lifecycle's words live in servicekit.lifecycle; these names stay for the workflow.
SubscriptionState = StatusCode


def workflow_id(subscription_id: str) -> str:
    return f"subscription-{subscription_id}"


BillingMode = Literal["pad", "payroll"]


class ChargedPeriod(BaseModel):
    """The last period charged: what the final credit is computed from."""

    start: date
    end: date
    amount_cents: int


class Outstanding(BaseModel):
    """A declined period's unpaid invoice, retried on its schedule until paid."""

    period_start: date
    period_end: date
    invoice_id: str
    amount_cents: int
    declines: int = 1
    first_declined_at: datetime
    next_attempt_at: datetime
    # A PAD debit returned because the account cannot be debited (closed, invalid...): its
    # attempts count as declines without a new debit until the payment method is updated.
    awaiting_new_details: bool = False
    # The last decline said the card is unusable (stolen, lost, expired...): payments declines
    # it without asking the processor until it is replaced, so no retry date is promised.
    card_unusable: bool = False


class PadNotice(BaseModel):
    """A PAD pre-notification sent: the periods starting `first_start` to `last_start` are
    debited together (`amount_cents` in all) on `debit_on`, at least 10 days after the notice."""

    first_start: date
    last_start: date
    amount_cents: int
    debit_on: date


class PadDebitReturned(BaseModel):
    """The bank sent a PAD debit back (payments imported its returns file): the invoice is
    unpaid again and the subscription follows the declined-card path. Told again after a
    re-import; the workflow ignores a `return_id` it has seen."""

    return_id: str
    invoice_id: str
    period_start: date
    period_end: date
    amount_cents: int
    reason_code: str
    new_details_needed: bool = False


class CardExpiry(BaseModel):
    """The subscription's card and the last day it works: reminded once, 30 days before."""

    payment_method_id: str
    last4: str | None = None
    last_day: date  # the end of its expiry month
    reminded: bool = False

    @property
    def card_key(self) -> str:
        """One card: its method and expiry (a replaced card is another card)."""
        return f"{self.payment_method_id}:{self.last_day.isoformat()}"


class BillingState(BaseModel):
    """The billing calendar's progress, carried from one run to the next."""

    account_id: str | None = None
    payment_method_id: str | None = None
    monthly_cents: int | None = None
    billed_through: date | None = None  # the last day a charge covers
    last_period: ChargedPeriod | None = None
    outstanding: list[Outstanding] = Field(default_factory=list)
    notified_monthly_cents: int | None = None  # PAD: the monthly amount the last notice named
    pad_notice: PadNotice | None = None
    method_kind: Literal["card", "pad"] | None = None  # "pad": a bank account (Rule H1 notices)
    arrears_count: int = 0  # times fallen into arrears: the `n` of those transitions' keys
    returns_seen: list[str] = Field(default_factory=list)  # PAD returns applied (by return id)
    returns_due: list[PadDebitReturned] = Field(default_factory=list)  # signalled, not applied
    card_expiry: CardExpiry | None = None  # the card paying it, watched for its expiry


class CarriedState(BaseModel):
    """The workflow's state: what continue-as-new carries from one run to the next as it is."""

    status: SubscriptionState
    start_date: date | None = None
    billing_mode: BillingMode | None = None
    cancellation_effective: date | None = None
    cancellations: int = 0  # cancellations scheduled so far: the `n` of the next keys
    pending_modification_id: str | None = None
    billing: BillingState = Field(default_factory=BillingState)
    offering_id: int | None = None  # None in runs carried before it was kept: the input's

    @field_validator("billing", mode="before")
    @classmethod
    def _no_billing_yet(cls, value: object) -> object:
        """Runs carried before billing existed hold `null`: nothing billed yet."""
        return BillingState() if value is None else value


class SubscriptionInput(BaseModel):
    """Start of the lifecycle; the search attributes come from here (no personal data)."""

    subscription_id: str = Field(min_length=1)
    contract_number: str
    site_id: int
    offering_id: int
    reminder_after_days: int = 3
    expire_after_days: int = 30
    carried_state: CarriedState | None = None  # set only by continue-as-new


class Signed(BaseModel):
    """An update the subscriptions service sends: its actor token says who asked (signed by the
    service, checked by the validator, servicekit/actor_token.py). The workflow records the
    actor the token names; the id fields below are what callers sent before tokens existed,
    read only to replay those histories."""

    actor_token: str | None = None  # None only in histories recorded before actor tokens


class Decision(Signed):
    """An operator's decision on a request or a modification."""

    decision: DecisionCode
    operator_id: str | None = None  # before actor tokens
    reason: str | None = Field(default=None, max_length=500)
    request_key: str | None = None  # the operator's form: its retry answers the same decision


class ModificationDecision(Decision):
    modification_id: str


class Withdrawal(Signed):
    """The user withdraws the pending request ("Annuler cette demande de service")."""

    account_id: str | None = None  # before actor tokens


class CancellationRequest(Signed):
    """The user (or an operator for them) picks a date; the effective date applies the notice
    clause."""

    account_id: str | None = None  # before actor tokens
    requested_date: date


class CancellationWithdrawal(Signed):
    account_id: str | None = None  # before actor tokens


class PaymentMethodUpdated(BaseModel):
    """The user replaced the card ("Mettre à jour la carte de crédit")."""

    account_id: str


class ModificationRequest(Signed):
    """A change of vehicles or of offering at the same site, recorded by the service first."""

    account_id: str | None = None  # before actor tokens
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

TransitionAction = ActionCode
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
    "payment_declined",
    "subscription_in_arrears",
    "subscription_recovered",
    "pad_prenotification",
    "pad_debit_returned",
    "card_expiring",
    "waitlist_offered",
    "waitlist_lapsed",
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
    request_key: str | None = None  # the operator's form key, kept in the audit entry


class SubscriptionSnapshot(BaseModel):
    """The fields of the service's subscription the workflow acts on (no personal data)."""

    status: SubscriptionState
    start_date: date | None = None
    cancellation_effective: date | None = None
    billing_mode: BillingMode | None = None
    offering_id: int | None = None
    monthly_price_cents: int | None = None
    account_id: str | None = None
    payment_method_id: str | None = None


class RecordedDecision(Signed):
    """The operator's decision as the service recorded it (the console's path, issue 14); its
    actor token names the operator who decided."""

    snapshot: SubscriptionSnapshot
    reason: str | None = None  # a refusal's, for its email


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
    # Billing emails: the amount concerned, the debit's date (PAD pre-notification), the monthly
    # amount after it, and when a declined charge will be tried again.
    amount_cents: int | None = None
    debit_date: date | None = None
    monthly_cents: int | None = None
    next_attempt: date | None = None
    # A card the processor called unusable (stolen, lost, expired...): never retried as is, the
    # email asks for another card and promises no date.
    card_unusable: bool = False
    # A returned PAD debit: the bank's reason code, and whether new bank details are needed.
    return_reason: str | None = None
    new_details_needed: bool = False
    # The card expiry reminder: the card's last digits and the last day it works.
    card_last4: str | None = None
    card_last_day: date | None = None
    # The waitlist's offer: confirm in the portal before then.
    offer_expires_at: datetime | None = None


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


class ChargeInput(BaseModel):
    """One charge (or a retry of an unpaid invoice) in the payments service, once per key."""

    subscription_id: str
    account_id: str
    payment_method_id: str | None = None  # None: payroll deduction, recorded
    idempotency_key: str
    period_start: date
    period_end: date
    amount_cents: int
    description: str
    invoice_id: str | None = None  # a retry settles this unpaid invoice


class ChargeResult(BaseModel):
    status: Literal["paid", "declined", "recorded"]
    invoice_id: str
    amount_cents: int
    decline_code: str | None = None


class CreditInput(BaseModel):
    """A credit on the account's balance (the unused days of the final period), once per key."""

    subscription_id: str
    account_id: str
    idempotency_key: str
    amount_cents: int
    reason: str


class PaymentMethodRef(BaseModel):
    account_id: str
    payment_method_id: str


class PaymentMethodInfo(BaseModel):
    """The kind of a payment method: a card, or a bank account ("pad") debited by CPA-005;
    a card's last digits and expiry (for the reminder before it expires)."""

    kind: Literal["card", "pad"]
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
