"""Subscriptions' domain errors, each with a stable code (the workflow uses the same codes)."""

from typing import Any

from servicekit.errors import DomainError, FieldError, NotFound
from servicekit.lifecycle import FIELD_OF_REFUSAL
from servicekit.messages import message


class SiteNotFound(NotFound):
    code = "site_not_found"
    fr = "Stationnement ou organisme introuvable."
    en = "Parking site or organisation not found."


class CategoryNotFound(NotFound):
    code = "category_not_found"
    fr = "Catégorie d'utilisateur introuvable."
    en = "User category not found."


class OfferingNotFound(NotFound):
    code = "offering_not_found"
    fr = "Abonnement introuvable."
    en = "Subscription offering not found."


class VehicleNotFound(NotFound):
    code = "vehicle_not_found"
    fr = "Véhicule introuvable."
    en = "Vehicle not found."


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"
    fr = "Abonnement introuvable."
    en = "Subscription not found."


class ModificationNotFound(NotFound):
    code = "modification_not_found"
    fr = "Demande de modification introuvable."
    en = "Modification request not found."


class ContractNotFound(NotFound):
    code = "contract_not_found"
    fr = "Le contrat n'est pas encore disponible."
    en = "The contract is not available yet."


class Conflict(DomainError):
    status_code = 409


class VehicleLimit(Conflict):
    code = "vehicle_limit"
    fr = "Vous pouvez enregistrer un maximum de 2 véhicules."
    en = "You can register at most 2 vehicles."


class PlateDuplicate(Conflict):
    code = "plate_duplicate"
    fr = "Ce numéro d'immatriculation est déjà enregistré à votre dossier."
    en = "This licence plate is already registered to your account."


class VehicleInUse(Conflict):
    code = "vehicle_in_use"
    fr = (
        "Ce véhicule est le seul d'un abonnement actif ou en attente : "
        "ajoutez-en un autre avant de le supprimer."
    )
    en = (
        "This vehicle is the only one on an active or pending subscription: "
        "add another one before deleting it."
    )


class DuplicateRequest(Conflict):
    code = "duplicate_request"
    fr = "Vous avez déjà une demande en attente ou un abonnement actif pour cet abonnement."
    en = "You already have a pending request or an active subscription for this offering."


class PaymentRequired(Conflict):
    """Only while `SUBSCRIPTIONS_PAYMENTS_ENABLED` is false (payments turned off)."""

    code = "payment_required"
    fr = (
        "Le paiement en ligne n'est pas offert pour le moment : seuls les abonnements en "
        "déduction à la source (DAS) peuvent être demandés."
    )
    en = (
        "Online payment is not available at the moment: only payroll-deduction (DAS) "
        "subscriptions can be requested."
    )


class PaymentMethodError(FieldError):
    """A 422 on `payment_method_id`, shaped like a validation error, whose bilingual message
    lives here (servicekit's catalog holds only the codes every service shares)."""

    rule_code = "payment_method_invalid"

    def __init__(self) -> None:
        super().__init__("payment_method_id", self.rule_code)

    def body(self) -> dict[str, Any]:
        """The validation body, with this error's own message."""
        body = super().body()
        body["message"] = body["errors"][0]["message"] = message(self.fr, self.en)
        return body


class PaymentMethodRequired(PaymentMethodError):
    rule_code = "payment_method_required"
    fr = "Choisissez le mode de paiement (carte de crédit ou débit préautorisé)."
    en = "Choose the payment method (credit card or pre-authorized debit)."


class PaymentMethodNotFound(PaymentMethodError):
    rule_code = "payment_method_not_found"
    fr = "Mode de paiement introuvable."
    en = "Payment method not found."


class PaymentMethodNotApplicable(PaymentMethodError):
    rule_code = "payment_method_not_applicable"
    fr = "Cet abonnement est payé par déduction à la source : aucun mode de paiement."
    en = "This subscription is paid by payroll deduction: no payment method applies."


class BillingModeDiffers(FieldError):
    """A modification to an offering billed another way (payroll deduction or pre-authorized
    debit): the payment method would not fit, so it takes a new request instead."""

    fr = (
        "Ce service se paie autrement (déduction à la source ou prélèvement préautorisé) : "
        "transmettez une nouvelle demande d'abonnement."
    )
    en = (
        "This service is paid another way (payroll deduction or pre-authorized debit): "
        "send a new subscription request."
    )

    def __init__(self) -> None:
        super().__init__("offering_id", "billing_mode_differs")

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["message"] = body["errors"][0]["message"] = message(self.fr, self.en)
        return body


class NotPending(Conflict):
    code = "not_pending"
    fr = "Cette demande n'est plus en attente d'approbation."
    en = "This request is no longer awaiting approval."


class NotActive(Conflict):
    code = "not_active"
    fr = "Cet abonnement n'est pas actif."
    en = "This subscription is not active."


class NoCancellation(Conflict):
    code = "no_cancellation"
    fr = "Aucune annulation n'est prévue pour cet abonnement."
    en = "No cancellation is scheduled for this subscription."


class CancellationPassed(Conflict):
    code = "cancellation_passed"
    fr = "L'annulation a déjà pris effet : elle ne peut plus être retirée."
    en = "The cancellation has already taken effect: it can no longer be withdrawn."


class OfferingFull(Conflict):
    code = "offering_full"
    fr = "Il ne reste plus de place pour cet abonnement."
    en = "There is no space left for this offering."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    fr = "Ce changement n'est pas possible dans l'état actuel de l'abonnement."
    en = "This change is not possible in the subscription's current state."


class ModificationPending(Conflict):
    code = "modification_pending"
    fr = "Une demande de modification est déjà en attente pour cet abonnement."
    en = "A modification request is already pending for this subscription."


class ModificationNotPending(Conflict):
    code = "modification_not_pending"
    fr = "Cette demande de modification n'est plus en attente."
    en = "This modification request is no longer pending."


class IdentityUnavailable(DomainError):
    status_code = 503
    code = "identity_unavailable"
    fr = "Service momentanément indisponible; réessayez dans un instant."
    en = "Service temporarily unavailable; try again in a moment."


class PaymentsUnavailable(DomainError):
    status_code = 503
    code = "payments_unavailable"
    fr = "Service momentanément indisponible; réessayez dans un instant."
    en = "Service temporarily unavailable; try again in a moment."


class WorkflowUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"
    fr = "Service momentanément indisponible; réessayez dans un instant."
    en = "Service temporarily unavailable; try again in a moment."


class WorkflowNotFound(WorkflowUnavailable):
    """Temporal has no running workflow for a subscription whose state says it should: the
    outbox starts it when it was never started; otherwise an operator must look (logged)."""

    code = "workflow_not_found"
    fr = "Le traitement de cet abonnement est momentanément indisponible; réessayez plus tard."
    en = "This subscription's processing is temporarily unavailable; try again later."


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
    )
}
WORKFLOW_FIELD_CODES = FIELD_OF_REFUSAL
