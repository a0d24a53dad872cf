"""Payments' domain errors, each with a stable code (the billing workflow reads the same codes)."""

from typing import Any

from servicekit.errors import DomainError, FieldError, NotFound, validation_body
from servicekit.i18n import bilingual


class MethodNotFound(NotFound):
    code = "payment_method_not_found"


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class SpecimenNotFound(NotFound):
    code = "specimen_not_found"


class AgreementVersionNotFound(NotFound):
    code = "agreement_version_not_found"


class Conflict(DomainError):
    status_code = 409


class MethodInUse(Conflict):
    code = "method_in_use"


class NotACard(Conflict):
    code = "not_a_card"


class NotABankAccount(Conflict):
    code = "not_a_bank_account"


class ChargeInProgress(Conflict):
    code = "charge_in_progress"


class KeyReused(Conflict):
    code = "idempotency_key_reused"


class ChargeMismatch(Conflict):
    """A retry must ask for exactly what its invoice is owed: anything else is a caller's bug."""

    code = "charge_mismatch"


class InvoiceNotPayable(Conflict):
    code = "invoice_not_payable"


class ExportDataInvalid(Conflict):
    """A row the export format refuses (the detail names the field): fix the data, run again."""

    code = "export_data_invalid"


class SourceUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"


# Field rules of payments have their own messages in the catalogs (`field.payments.<rule>`).
FIELD_RULES = (
    "institution_invalid",
    "transit_invalid",
    "account_invalid",
    "agreement_required",
    "agreement_version_invalid",
    "specimen_required",
    "specimen_type",
    "specimen_too_large",
    "specimen_unreadable",
    "specimen_inflates",
    "reason_required",
    "payment_method_required",
)


class PaymentsFieldError(FieldError):
    """A 422 on one field, with payments' own message for the rule."""

    def body(self) -> dict[str, Any]:
        body = validation_body([{"loc": (self.field,), "type": self.rule}])
        if self.rule in FIELD_RULES:
            own = bilingual(f"field.payments.{self.rule}")
            body["message"] = body["errors"][0]["message"] = own
        return body


def field_error(field: str, rule: str) -> PaymentsFieldError:
    """A 422 naming the field and the rule it breaks."""
    return PaymentsFieldError(field, rule)


class ReturnsFileInvalid(DomainError):
    """The returns file cannot be read; `details` name the line and the field."""

    status_code = 422
    code = "returns_file_invalid"


class ReturnItemUnknown(DomainError):
    """A returned item traces to no debit of ours (`details`: its line, trace and reference);
    nothing of the file is imported."""

    status_code = 422
    code = "return_item_unknown"
