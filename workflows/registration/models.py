"""Payloads of the registration and account-email workflows (no email address ever travels here)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

EmailKind = Literal["verify_email", "password_reset", "signup_attempt", "password_changed"]
RegistrationState = Literal["pending", "verified", "expired"]
SendOutcome = Literal["sent", "already_verified", "account_not_found"]

DEFAULT_EXPIRY_SECONDS = 7 * 24 * 3600


class RegistrationInput(BaseModel):
    """Start of `RegistrationWorkflow`; the `carried_*` fields are only set by continue-as-new."""

    account_id: str = Field(min_length=1)
    expire_after_seconds: int = Field(default=DEFAULT_EXPIRY_SECONDS, gt=0)
    carried_deadline: datetime | None = None
    carried_emails_sent: int = 0


class AccountEmailInput(BaseModel):
    """One account email to send; `key` makes the send idempotent (same key, same link)."""

    account_id: str = Field(min_length=1)
    kind: EmailKind
    key: str = Field(min_length=1)


class AccountEmailResult(BaseModel):
    """What became of one `send_account_email`."""

    outcome: SendOutcome


class ExpireInput(BaseModel):
    """Expire one account if it is still unverified."""

    account_id: str = Field(min_length=1)


class ExpireResult(BaseModel):
    """`expired` is false when identity found the account verified (or already gone)."""

    expired: bool


class RegistrationStatus(BaseModel):
    """Answer of the `status` query, and the workflow's result."""

    account_id: str
    status: RegistrationState
    emails_sent: int
    expires_at: datetime
