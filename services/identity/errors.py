"""Identity's domain errors, each with a stable code."""

from typing import Any

from servicekit.errors import DomainError
from servicekit.messages import message
from servicekit.throttle import RateLimited


class TokenInvalid(DomainError):
    code = "token_invalid"
    fr = "Ce lien n'est pas valide ou a été remplacé par un plus récent."
    en = "This link is not valid or was replaced by a newer one."


class TokenExpired(DomainError):
    code = "token_expired"
    fr = "Ce lien a expiré; demandez-en un nouveau."
    en = "This link has expired; ask for a new one."


class TokenUsed(DomainError):
    code = "token_used"
    fr = "Ce lien a déjà été utilisé."
    en = "This link has already been used."


class InvalidCredentials(DomainError):
    status_code = 401
    code = "invalid_credentials"
    fr = "Adresse courriel ou mot de passe incorrect."
    en = "Incorrect email address or password."
    keep_changes = True  # the failure is recorded for throttling


class AccountNotVerified(DomainError):
    status_code = 403
    code = "account_not_verified"
    fr = (
        "Votre adresse courriel n'est pas encore validée. "
        "Consultez le courriel reçu ou demandez un nouvel envoi."
    )
    en = "Your email address is not validated yet. Check the email we sent or ask for a new one."


class TooManyAttempts(DomainError):
    status_code = 429
    code = "too_many_attempts"
    fr = "Trop de tentatives. Réessayez dans quelques minutes."
    en = "Too many attempts. Try again in a few minutes."


class CurrentPasswordWrong(DomainError):
    code = "current_password_wrong"
    fr = "Le mot de passe actuel est incorrect."
    en = "The current password is incorrect."


class ActiveSubscription(DomainError):
    status_code = 409
    code = "active_subscription"
    fr = "Votre compte a un abonnement actif : annulez-le avant de supprimer le compte."
    en = "Your account has an active subscription: cancel it before deleting the account."


class AccountNotFound(DomainError):
    status_code = 404
    code = "account_not_found"
    fr = "Compte introuvable."
    en = "Account not found."


class AlreadyVerified(DomainError):
    status_code = 409
    code = "already_verified"
    fr = "Ce compte est déjà validé."
    en = "This account is already verified."


class WorkflowUnavailable(DomainError):
    status_code = 503
    code = "service_unavailable"
    fr = "Service momentanément indisponible; réessayez dans un instant."
    en = "Service temporarily unavailable; try again in a moment."


class SubscriptionsUnavailable(WorkflowUnavailable):
    code = "subscriptions_unavailable"


class EmailThrottled(RateLimited):
    """An account email asked for too soon after the last one for this address: the wait is
    said plainly (the throttle counts addresses, with or without an account)."""

    code = "email_throttled"

    def body(self) -> dict[str, Any]:
        wait = self.retry_after
        body = super().body()
        body["message"] = message(
            "Un courriel a déjà été demandé pour cette adresse il y a peu. Le prochain envoi "
            f"sera possible dans {wait} seconde{'s' if wait > 1 else ''}.",
            "An email was requested for this address a moment ago. The next one can be sent "
            f"in {wait} second{'s' if wait > 1 else ''}.",
        )
        return body
