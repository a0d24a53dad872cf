"""Payments' domain errors, each with a stable code (the billing workflow reads the same codes)."""

from typing import Any

from servicekit.errors import DomainError, FieldError, NotFound, validation_body
from servicekit.messages import Message, message


class MethodNotFound(NotFound):
    code = "payment_method_not_found"
    fr = "Méthode de paiement introuvable."
    en = "Payment method not found."


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"
    fr = "Facture introuvable."
    en = "Invoice not found."


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"
    fr = "Reçu introuvable."
    en = "Receipt not found."


class SpecimenNotFound(NotFound):
    code = "specimen_not_found"
    fr = "Spécimen de chèque introuvable."
    en = "Cheque specimen not found."


class AgreementVersionNotFound(NotFound):
    code = "agreement_version_not_found"
    fr = "Version de l'accord de prélèvement introuvable."
    en = "PAD agreement version not found."


class Conflict(DomainError):
    status_code = 409


class MethodInUse(Conflict):
    code = "method_in_use"
    fr = "Cette méthode de paiement paie la période en cours d'un abonnement."
    en = "This payment method pays a subscription's current period."


class NotACard(Conflict):
    code = "not_a_card"
    fr = "Cette méthode de paiement n'est pas une carte de crédit."
    en = "This payment method is not a credit card."


class ChargeInProgress(Conflict):
    code = "charge_in_progress"
    fr = "Ce paiement est en cours de traitement; réessayez dans un instant."
    en = "This charge is being processed; try again in a moment."


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    fr = "Cette clé d'idempotence a déjà servi pour une autre opération."
    en = "This idempotency key was already used for another operation."


class ChargeMismatch(Conflict):
    """A retry must ask for exactly what its invoice is owed: anything else is a caller's bug."""

    code = "charge_mismatch"
    fr = "Le montant ne correspond pas au total de la facture."
    en = "The amount does not match the invoice total."


class InvoiceNotPayable(Conflict):
    code = "invoice_not_payable"
    fr = "Cette facture ne se paie pas par carte ou prélèvement."
    en = "This invoice is not paid by card or debit."


class ExportDataInvalid(Conflict):
    """A row the export format refuses (the detail names the field): fix the data, run again."""

    code = "export_data_invalid"
    fr = "Une donnée ne peut être écrite dans le fichier d'exportation."
    en = "A value cannot be written to the export file."


class SourceUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"
    fr = "Service momentanément indisponible; réessayez dans un instant."
    en = "Service temporarily unavailable; try again in a moment."


# Field rules of payments, with their bilingual messages (rendered like validation errors).
FIELD_MESSAGES: dict[str, Message] = {
    "institution_invalid": message(
        "Numéro d'institution invalide (3 chiffres).", "Invalid institution number (3 digits)."
    ),
    "transit_invalid": message(
        "Numéro de transit invalide (5 chiffres).", "Invalid transit number (5 digits)."
    ),
    "account_invalid": message(
        "Numéro de compte invalide (7 à 12 chiffres).", "Invalid account number (7 to 12 digits)."
    ),
    "agreement_required": message(
        "Vous devez accepter l'accord de prélèvement préautorisé.",
        "You must accept the pre-authorized debit agreement.",
    ),
    "agreement_version_invalid": message(
        "Version de l'accord inconnue; rechargez la page.",
        "Unknown agreement version; reload the page.",
    ),
    "specimen_required": message("Joignez un spécimen de chèque.", "Attach a cheque specimen."),
    "specimen_type": message(
        "Le spécimen doit être un fichier PDF, PNG ou JPEG.",
        "The specimen must be a PDF, PNG or JPEG file.",
    ),
    "specimen_too_large": message(
        "Le spécimen ne peut dépasser 5 Mo.", "The specimen cannot exceed 5 MB."
    ),
    "specimen_unreadable": message(
        "Le spécimen n'a pu être lu comme un PDF, PNG ou JPEG ordinaire; "
        "numérisez ou photographiez de nouveau le chèque.",
        "The specimen could not be read as a plain PDF, PNG or JPEG; "
        "scan or photograph the cheque again.",
    ),
    "specimen_inflates": message(
        "Le spécimen est trop volumineux une fois décompressé (64 Mo ou 40 mégapixels au plus).",
        "The specimen is too large once decompressed (64 MB or 40 megapixels at most).",
    ),
    "reason_required": message("Indiquez la raison.", "Give the reason."),
    "payment_method_required": message(
        "Choisissez une méthode de paiement.", "Choose a payment method."
    ),
}


class PaymentsFieldError(FieldError):
    """A 422 on one field, with payments' own message for the rule."""

    def body(self) -> dict[str, Any]:
        body = validation_body([{"loc": (self.field,), "type": self.rule}])
        if self.rule in FIELD_MESSAGES:
            body["message"] = body["errors"][0]["message"] = FIELD_MESSAGES[self.rule]
        return body


def field_error(field: str, rule: str) -> PaymentsFieldError:
    """A 422 naming the field and the rule it breaks."""
    return PaymentsFieldError(field, rule)
