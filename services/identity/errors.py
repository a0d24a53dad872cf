"""Identity's domain errors, each with a stable code."""

from typing import Any

from servicekit.errors import DomainError
from servicekit.i18n import bilingual, plural
from servicekit.throttle import RateLimited


class TokenInvalid(DomainError):
    code = "token_invalid"


class TokenExpired(DomainError):
    code = "token_expired"


class TokenUsed(DomainError):
    code = "token_used"


class InvalidCredentials(DomainError):
    status_code = 401
    code = "invalid_credentials"
    keep_changes = True  # the failure is recorded for throttling


class AccountNotVerified(DomainError):
    status_code = 403
    code = "account_not_verified"


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"


class CurrentPasswordWrong(DomainError):
    code = "current_password_wrong"


class ActiveSubscription(DomainError):
    status_code = 409
    code = "active_subscription"


class AccountNotFound(DomainError):
    status_code = 404
    code = "account_not_found"


class AlreadyVerified(DomainError):
    status_code = 409
    code = "already_verified"


class WorkflowUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"


class SubscriptionsUnavailable(WorkflowUnavailable):
    code = "subscriptions_unavailable"


class EmailThrottled(RateLimited):
    """An account email asked for too soon after the last one for this address: the wait is
    said plainly (the throttle counts addresses, with or without an account)."""

    code = "email_throttled"

    def body(self) -> dict[str, Any]:
        wait = self.retry_after
        body = super().body()
        body["message"] = bilingual(f"throttle.email_wait.{plural(wait)}", wait=wait)
        return body
