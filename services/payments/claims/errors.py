"""Claim notices' domain errors, each with a stable code."""

from servicekit.errors import DomainError, NotFound


class ClaimNotFound(NotFound):
    code = "claim_not_found"


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class ClaimNumberTaken(DomainError):
    status_code = 409
    code = "claim_number_taken"


class ClaimAlreadyPaid(DomainError):
    status_code = 409
    code = "claim_already_paid"


class SubscriptionsUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"


class ClaimPaymentInProgress(DomainError):
    """Another payment of this notice is under way (its payer may be answering 3-D Secure)."""

    status_code = 409
    code = "claim_payment_in_progress"


class ClaimPaymentNotFound(NotFound):
    code = "claim_payment_not_found"
