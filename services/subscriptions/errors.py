"""Subscriptions' domain errors, each with a stable code (the workflow uses the same codes,
`servicekit.lifecycle.Refusal`); their messages are the catalogs' `error.<code>`."""

from typing import Any

from servicekit.errors import DomainError, FieldError, NotFound
from servicekit.lifecycle import FIELD_OF_REFUSAL


class SiteNotFound(NotFound):
    code = "site_not_found"


class CategoryNotFound(NotFound):
    code = "category_not_found"


class OfferingNotFound(NotFound):
    code = "offering_not_found"


class VehicleNotFound(NotFound):
    code = "vehicle_not_found"


class TemporaryVehicleNotFound(NotFound):
    code = "temporary_vehicle_not_found"


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class ModificationNotFound(NotFound):
    code = "modification_not_found"


class ContractNotFound(NotFound):
    code = "contract_not_found"


class Conflict(DomainError):
    status_code = 409


class VehicleLimit(Conflict):
    code = "vehicle_limit"


class PlateDuplicate(Conflict):
    code = "plate_duplicate"


class VehicleInUse(Conflict):
    code = "vehicle_in_use"


class TemporaryVehicleExists(Conflict):
    """One temporary vehicle at a time per subscription (remove it, or wait for its end)."""

    code = "temporary_vehicle_exists"


class DuplicateRequest(Conflict):
    code = "duplicate_request"


class PaymentRequired(Conflict):
    """Only while `SUBSCRIPTIONS_PAYMENTS_ENABLED` is false (payments turned off)."""

    code = "payment_required"


class PaymentMethodError(FieldError):
    """A 422 on `payment_method_id`, shaped like a validation error, with its own message
    (`error.<rule_code>` in the catalogs) instead of the shared validation one."""

    rule_code = "payment_method_invalid"

    def __init__(self) -> None:
        super().__init__("payment_method_id", self.rule_code)

    def body(self) -> dict[str, Any]:
        """The validation body, with this error's own message."""
        body = super().body()
        body["message"] = body["errors"][0]["message"] = self.message()
        return body


class PaymentMethodRequired(PaymentMethodError):
    rule_code = "payment_method_required"


class PaymentMethodNotFound(PaymentMethodError):
    rule_code = "payment_method_not_found"
    message_id = "error.payment_method_not_found.subscriptions"


class PaymentMethodNotApplicable(PaymentMethodError):
    rule_code = "payment_method_not_applicable"


class BillingModeDiffers(FieldError):
    """A modification to an offering billed another way (payroll deduction or pre-authorized
    debit): the payment method would not fit, so it takes a new request instead."""

    message_id = "error.billing_mode_differs"

    def __init__(self) -> None:
        super().__init__("offering_id", "billing_mode_differs")

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["message"] = body["errors"][0]["message"] = self.message()
        return body


class NotPending(Conflict):
    code = "not_pending"


class NotActive(Conflict):
    code = "not_active"


class NoCancellation(Conflict):
    code = "no_cancellation"


class CancellationPassed(Conflict):
    code = "cancellation_passed"


class OfferingFull(Conflict):
    code = "offering_full"


class Waitlisted(Conflict):
    """The request waits on the offering's waitlist: approved only once its owner confirmed the
    space offered to them (docs/subscriptions-api.md, "Waitlist")."""

    code = "waitlisted"


class NotOffered(Conflict):
    """No space is offered to this request now (still waiting, or not on a waitlist)."""

    code = "not_offered"


class OfferExpired(Conflict):
    """The space offered was not confirmed in time: it went to the next person."""

    code = "offer_expired"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ModificationPending(Conflict):
    code = "modification_pending"


class ModificationNotPending(Conflict):
    code = "modification_not_pending"


class IdentityUnavailable(DomainError):
    status_code = 503
    code = "identity_unavailable"


class PaymentsUnavailable(DomainError):
    status_code = 503
    code = "payments_unavailable"


class WorkflowUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"


class WorkflowNotFound(WorkflowUnavailable):
    """Temporal has no running workflow for a subscription whose state says it should: the
    outbox starts it when it was never started; otherwise an operator must look (logged)."""

    code = "workflow_not_found"


class ActorNotProven(WorkflowUnavailable):
    """The workflow refused the actor token this service signed: the subscriptions service and
    the worker hold different `PLATFORM_ACTOR_TOKEN_KEY`s, or the update waited for a worker
    longer than the token lives. Nothing changed; a retry sends a fresh token, and the outbox
    keeps what it was to deliver (as while Temporal is away)."""

    code = "actor_not_proven"


def field_error(field: str, rule: str) -> FieldError:
    """A 422 naming the field, with a code from servicekit's message catalog."""
    return FieldError(field, rule)


# The codes the workflow's update validators raise (`ApplicationError.type`), as our errors:
# one class per `Refusal` of the vocabulary (a test walks them), so none falls back to
# `invalid_transition`.
WORKFLOW_CODES: dict[str, type[DomainError]] = {
    error.code: error
    for error in (
        OfferingFull,
        NotPending,
        NotActive,
        NoCancellation,
        CancellationPassed,
        InvalidTransition,
        ModificationPending,
        ModificationNotPending,
        ActorNotProven,
    )
}
WORKFLOW_FIELD_CODES = FIELD_OF_REFUSAL
