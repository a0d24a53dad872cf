"""Activities of the subscription lifecycle, over the subscriptions and identity internal APIs.

Every state change goes to the subscriptions service (the source of truth) with the workflow's
idempotency key. Email addresses are looked up here, at send time, from identity: they only live
in this process's memory while a message is built, and never reach the workflow, a log line or
an error message.
"""

from email.message import EmailMessage
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict
from temporalio import activity
from temporalio.exceptions import ApplicationError

from servicekit.mail import MailSettings, build_message
from servicekit.sent_mail import SentMailLedger
from servicekit.settings import PlatformSettings
from workflows.emails.delivery import deliver
from workflows.service_errors import http_failure
from workflows.subscription.emails import EmailDetails, render_subscription_email
from workflows.subscription.models import (
    ContractInput,
    ContractResult,
    EmailResult,
    ServiceCentreEmailInput,
    SubscriptionRef,
    SubscriptionSnapshot,
    TransitionInput,
    UserEmailInput,
)
from workflows.subscription.settings import WorkflowSettings

# A 404 for a subscription right after its request may be the request's transaction not yet
# committed: retry this many attempts before concluding it does not exist.
NOT_FOUND_ATTEMPTS = 5
PDF = "application/pdf"
Shape = TypeVar("Shape", bound=BaseModel)


class ServiceSubscription(SubscriptionSnapshot):
    """The service's internal subscription (`GET /internal/v1/subscriptions/{id}`, which the
    transitions also answer): the workflow's snapshot, plus what an email names."""

    model_config = ConfigDict(extra="ignore")

    id: str
    contract_number: str
    offering_name: str


class AccountContact(BaseModel):
    """Identity's internal account answer, reduced to what an email needs."""

    model_config = ConfigDict(extra="ignore")

    email: str
    language: str = "fr"
    profile: dict[str, Any] | None = None

    def first_name(self) -> str | None:
        name = (self.profile or {}).get("first_name")
        return name if isinstance(name, str) else None


class SubscriptionActivities:
    """The lifecycle's activities; the worker injects the HTTP client and the settings."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: PlatformSettings,
        mail: MailSettings,
        workflow_settings: WorkflowSettings,
        ledger: SentMailLedger | None = None,
    ) -> None:
        self._http = http
        self._subscriptions = settings.subscriptions_url.rstrip("/")
        self._identity = settings.identity_url.rstrip("/")
        self._headers = {"X-Service-Token": settings.service_token}
        self._mail = mail
        self._ledger = ledger or SentMailLedger(mail.ledger_url)
        self._service_centre = workflow_settings.service_centre_email
        self._web = settings.public_web_origin.rstrip("/")

    @activity.defn(name="subscription_transition")
    async def transition(self, input: TransitionInput) -> SubscriptionSnapshot:
        """Ask the service for one state change; it answers the subscription as it now stands."""
        body: dict[str, Any] = {
            "action": input.action,
            "actor": input.actor,
            "idempotency_key": input.idempotency_key,
        }
        if input.reason is not None:
            body["reason"] = input.reason
        if input.requested_date is not None:
            body["date"] = input.requested_date.isoformat()
        if input.modification_id is not None:
            body["modification_id"] = input.modification_id
        if input.request_key is not None:
            body["request_key"] = input.request_key
        url = self._subscription_url(input.subscription_id, "/transitions")
        response = await self._http.post(url, json=body, headers=self._headers)
        if response.status_code != 200:
            raise http_failure("subscriptions", response)
        activity.logger.info("subscription transition %s done", input.action)
        return SubscriptionSnapshot.model_validate(response.json())

    @activity.defn(name="subscription_load")
    async def load(self, input: SubscriptionRef) -> SubscriptionSnapshot:
        """The subscription as the service has it (the workflow resynchronises from it)."""
        return await self._fetch_subscription(input.subscription_id, SubscriptionSnapshot)

    @activity.defn(name="subscription_generate_contract")
    async def generate_contract(self, input: ContractInput) -> ContractResult:
        """Have the service generate (once) and store the contract PDF."""
        url = self._subscription_url(input.subscription_id, "/contract")
        body = {"idempotency_key": input.idempotency_key}
        response = await self._http.post(url, json=body, headers=self._headers)
        if response.status_code != 200:
            raise http_failure("subscriptions", response)
        return ContractResult.model_validate(response.json())

    @activity.defn(name="subscription_email_user")
    async def email_user(self, input: UserEmailInput) -> EmailResult:
        """Email the account holder in their language, with the contract PDF when asked."""
        subscription = await self._fetch_subscription(input.subscription_id, ServiceSubscription)
        contact = await self._fetch_contact(subscription.account_id)
        if contact is None:
            activity.logger.warning("account not found; no %s email sent", input.kind)
            return EmailResult(outcome="account_not_found")
        details = EmailDetails(
            contract_number=subscription.contract_number,
            subscription_id=subscription.id,
            first_name=contact.first_name(),
            offering_name=subscription.offering_name,
            start_date=subscription.start_date if input.kind != "subscription_received" else None,
            reason=input.reason,
            effective_date=input.effective_date,
            amount_cents=input.amount_cents,
            debit_date=input.debit_date,
            monthly_cents=input.monthly_cents,
            next_attempt=input.next_attempt,
            card_unusable=input.card_unusable,
            update_card_url=self._card_url(subscription.id),
            return_reason=input.return_reason,
            new_details_needed=input.new_details_needed,
            bank_details_url=f"{self._page_url(subscription.id)}/compte-bancaire",
            card_last4=input.card_last4,
            card_last_day=input.card_last_day,
            offer_expires_at=input.offer_expires_at,
            page_url=self._page_url(subscription.id),
        )
        email = render_subscription_email(input.kind, contact.language, details)
        attachments = []
        if input.attach_contract:
            pdf = await self._fetch_contract(input.subscription_id)
            attachments.append((f"contrat-{subscription.contract_number}.pdf", PDF, pdf))
        message = build_message(
            self._mail,
            to=contact.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            message_key=input.key,
            attachments=attachments,
        )
        await self._send(message)
        activity.logger.info("subscription email sent (%s)", input.kind)
        return EmailResult(outcome="sent")

    @activity.defn(name="subscription_email_service_centre")
    async def email_service_centre(self, input: ServiceCentreEmailInput) -> EmailResult:
        """Write to the service centre (in French) about a request waiting for it."""
        details = EmailDetails(
            contract_number=input.contract_number,
            subscription_id=input.subscription_id,
            waiting_days=input.waiting_days,
            modification_id=input.modification_id,
        )
        email = render_subscription_email(input.kind, "fr", details)
        message = build_message(
            self._mail,
            to=self._service_centre,
            subject=f"{email.subject} ({input.contract_number})",
            text=email.text,
            html=email.html,
            message_key=input.key,
        )
        await self._send(message)
        activity.logger.info("service centre email sent (%s)", input.kind)
        return EmailResult(outcome="sent")

    def _card_url(self, subscription_id: str) -> str:
        """The web page where the account holder updates the card of this subscription."""
        return f"{self._page_url(subscription_id)}/carte"

    def _page_url(self, subscription_id: str) -> str:
        """The subscription's page in the portal (its payment method, and any banner)."""
        return f"{self._web}/mon-abonnement/{quote(subscription_id, safe='')}"

    def _subscription_url(self, subscription_id: str, suffix: str = "") -> str:
        sid = quote(subscription_id, safe="")
        return f"{self._subscriptions}/internal/v1/subscriptions/{sid}{suffix}"

    async def _fetch_subscription(self, subscription_id: str, shape: type[Shape]) -> Shape:
        """The service's internal subscription, read as `shape` (what the caller needs of it)."""
        response = await self._http.get(
            self._subscription_url(subscription_id), headers=self._headers
        )
        if response.status_code == 404 and activity.info().attempt < NOT_FOUND_ATTEMPTS:
            raise ApplicationError("subscription not found (yet)", type="SubscriptionNotFound")
        if response.status_code != 200:
            raise http_failure("subscriptions", response)
        return shape.model_validate(response.json())

    async def _fetch_contact(self, account_id: str | None) -> AccountContact | None:
        if not account_id:
            return None
        url = f"{self._identity}/internal/v1/accounts/{quote(account_id, safe='')}"
        response = await self._http.get(url, headers=self._headers)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise http_failure("identity", response)
        return AccountContact.model_validate(response.json())

    async def _fetch_contract(self, subscription_id: str) -> bytes:
        url = self._subscription_url(subscription_id, "/contract")
        response = await self._http.get(url, headers=self._headers)
        if response.status_code != 200:
            # A 404 here is a contract not stored yet: retryable, the contract step precedes us.
            error = http_failure("subscriptions", response)
            if response.status_code == 404:
                raise ApplicationError(str(error.message), type="ContractNotFound")
            raise error
        return response.content

    async def _send(self, message: EmailMessage) -> None:
        """Hand the message to SMTP; failures become retryable errors without the SMTP text."""
        await deliver(self._mail, message, self._ledger)
