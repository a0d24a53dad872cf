"""Claim notices' domain errors, each with a stable code."""

from servicekit.errors import DomainError, NotFound


class ClaimNotFound(NotFound):
    code = "claim_not_found"
    fr = "Aucun avis ne correspond à ce numéro et à cette plaque."
    en = "No notice matches this number and plate."


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"
    fr = "Reçu introuvable."
    en = "Receipt not found."


class ClaimNumberTaken(DomainError):
    status_code = 409
    code = "claim_number_taken"
    fr = "Un avis porte déjà ce numéro."
    en = "A notice already has this number."


class ClaimAlreadyPaid(DomainError):
    status_code = 409
    code = "claim_already_paid"
    fr = "Cet avis est déjà payé (ou un paiement est en cours)."
    en = "This notice is already paid (or a payment is under way)."


class SubscriptionsUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"
    fr = "Service momentanément indisponible; réessayez dans un instant."
    en = "Service temporarily unavailable; try again in a moment."
