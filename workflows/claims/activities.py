"""The claim receipt activity, over the payments internal API and SMTP.

The payer's address is looked up here, at send time, from payments: it only lives in this
process's memory while the message is built, and never reaches the workflow, a log line or an
error message.
"""

from datetime import datetime
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict
from temporalio import activity

from servicekit.mail import MailSettings, build_message
from servicekit.sent_mail import SentMailLedger
from servicekit.settings import PlatformSettings
from workflows.claims.emails import ReceiptFacts, render_claim_receipt
from workflows.claims.models import ClaimReceiptInput, ClaimReceiptResult, workflow_id
from workflows.emails.delivery import deliver
from workflows.service_errors import http_failure

PDF = "application/pdf"


class PaidReceipt(BaseModel):
    """Payments' `GET /internal/v1/claim-notices/receipts/{id}` (extra keys ignored)."""

    model_config = ConfigDict(extra="ignore")

    receipt_id: str
    receipt_number: str
    number: str
    plate: str
    site_id: int
    amount_cents: int
    paid_at: datetime
    email: str | None = None
    language: str | None = None

    def facts(self) -> ReceiptFacts:
        return ReceiptFacts(
            receipt_number=self.receipt_number,
            number=self.number,
            plate=self.plate,
            site_id=self.site_id,
            amount_cents=self.amount_cents,
            paid_at=self.paid_at,
        )


class ClaimActivities:
    """Claim notice activities; the worker injects the HTTP client, the settings and SMTP."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: PlatformSettings,
        mail: MailSettings,
        ledger: SentMailLedger | None = None,
    ) -> None:
        self._http = http
        self._payments = settings.payments_url.rstrip("/")
        self._headers = {"X-Service-Token": settings.service_token}
        self._mail = mail
        self._ledger = ledger or SentMailLedger(mail.ledger_url)

    @activity.defn(name="claim_send_receipt")
    async def send_receipt(self, input: ClaimReceiptInput) -> ClaimReceiptResult:
        """Email the receipt, PDF attached, to the address the payer gave (none: nothing sent).

        The Message-ID is the workflow id's: the sent-mail ledger skips a retry after SMTP
        took the message.
        """
        receipt = PaidReceipt.model_validate(await self._get_json(input.receipt_id))
        if not receipt.email:
            activity.logger.info("claim receipt has no address; no email sent")
            return ClaimReceiptResult(outcome="no_email")
        email = render_claim_receipt(receipt.language or input.language, receipt.facts())
        pdf = await self._get_pdf(input.receipt_id)
        message = build_message(
            self._mail,
            to=receipt.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            message_key=workflow_id(input.receipt_id),
            attachments=[(f"recu-{receipt.receipt_number}.pdf", PDF, pdf)],
        )
        await deliver(self._mail, message, self._ledger)
        activity.logger.info("claim receipt email sent")
        return ClaimReceiptResult(outcome="sent")

    def _url(self, receipt_id: str, suffix: str = "") -> str:
        rid = quote(receipt_id, safe="")
        return f"{self._payments}/internal/v1/claim-notices/receipts/{rid}{suffix}"

    async def _get_json(self, receipt_id: str) -> object:
        # The receipt is committed before the workflow starts: a 404 is final, not "not yet".
        response = await self._http.get(self._url(receipt_id), headers=self._headers)
        if response.status_code != 200:
            raise http_failure("payments", response)
        return response.json()

    async def _get_pdf(self, receipt_id: str) -> bytes:
        response = await self._http.get(self._url(receipt_id, "/pdf"), headers=self._headers)
        if response.status_code != 200:
            raise http_failure("payments", response)
        return response.content
