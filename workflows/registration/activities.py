"""Activities of the account lifecycle: account emails and expiry, through identity's internal API.

The email address and the link only live in this process's memory while a message is built;
they are never logged, never returned to the workflow and never put in an error message.
"""

from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from servicekit.mail import MailSettings, build_message
from servicekit.sent_mail import SentMailLedger
from workflows.emails.delivery import deliver
from workflows.emails.render import render_email
from workflows.registration.models import (
    AccountEmailInput,
    AccountEmailResult,
    ExpireInput,
    ExpireResult,
)
from workflows.service_errors import error_code

# A 404 right after signup may be the signup transaction not yet committed: retry this many
# attempts (with the workflow's backoff, about 15 s) before concluding the account is gone.
NOT_FOUND_ATTEMPTS = 5


class EmailContext(BaseModel):
    """Identity's answer to `email-context`: who to write to, in which language, with which link."""

    account_id: str
    email: str
    language: str = "fr"
    first_name: str | None = None
    link: str | None = None


def _identity_failure(response: httpx.Response) -> ApplicationError:
    """A retryable failure naming the status and code only (no body, which could hold data)."""
    return ApplicationError(
        f"identity answered HTTP {response.status_code} {error_code(response)}".strip(),
        type="IdentityHTTPError",
    )


class AccountEmailActivities:
    """Account activities; the worker injects the HTTP client, identity's address and SMTP."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        identity_url: str,
        service_token: str,
        mail: MailSettings,
        ledger: SentMailLedger | None = None,
    ) -> None:
        self._http = http
        self._identity_url = identity_url.rstrip("/")
        self._service_token = service_token
        self._mail = mail
        self._ledger = ledger or SentMailLedger(mail.ledger_url)

    @activity.defn(name="send_account_email")
    async def send_account_email(self, input: AccountEmailInput) -> AccountEmailResult:
        """Fetch the email context from identity, render the email and hand it to SMTP."""
        body = {"kind": input.kind, "key": input.key}
        response = await self._post(input.account_id, "email-context", body)
        if response.status_code == 404 and error_code(response) == "account_not_found":
            return self._account_not_found(input)
        if response.status_code == 409 and error_code(response) == "already_verified":
            activity.logger.info("account already verified; no email sent")
            return AccountEmailResult(outcome="already_verified")
        if response.status_code != 200:
            raise _identity_failure(response)
        context = EmailContext.model_validate(response.json())
        await self._deliver(input, context)
        activity.logger.info("account email sent (%s)", input.kind)
        return AccountEmailResult(outcome="sent")

    @activity.defn(name="expire_unverified_account")
    async def expire_unverified_account(self, input: ExpireInput) -> ExpireResult:
        """Ask identity to delete the account if it is still unverified; it answers what it did."""
        response = await self._post(input.account_id, "expire", {})
        if response.status_code != 200:
            raise _identity_failure(response)
        result = ExpireResult.model_validate(response.json())
        activity.logger.info("registration deadline reached; expired=%s", result.expired)
        return result

    async def _post(self, account_id: str, action: str, body: dict[str, Any]) -> httpx.Response:
        url = f"{self._identity_url}/internal/v1/accounts/{quote(account_id, safe='')}/{action}"
        return await self._http.post(
            url, json=body, headers={"X-Service-Token": self._service_token}
        )

    def _account_not_found(self, input: AccountEmailInput) -> AccountEmailResult:
        """Retry a few times (the signup may not be committed yet), then report the account gone."""
        if activity.info().attempt < NOT_FOUND_ATTEMPTS:
            raise ApplicationError("account not found (yet)", type="AccountNotFound")
        activity.logger.warning("account not found; no %s email sent", input.kind)
        return AccountEmailResult(outcome="account_not_found")

    async def _deliver(self, input: AccountEmailInput, context: EmailContext) -> None:
        """Render and send; SMTP failures become retryable errors without the SMTP text."""
        email = render_email(
            input.kind, context.language, first_name=context.first_name, link=context.link
        )
        message = build_message(
            self._mail,
            to=context.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            message_key=input.key,
        )
        await deliver(self._mail, message, self._ledger)
