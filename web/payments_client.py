"""Typed calls to the payments service (docs/payments-api.md), on behalf of a browser.

Signed-in calls carry the account's bearer token (first two arguments: the caller's address and
that token, as in `SubscriptionsClient`); the claim-notice lookup and payment are anonymous
(`token=None`). Errors raise the same `ApiError` as identity's client.
"""

import httpx

from servicekit.i18n import bilingual
from web.service_client import JSON, Files, ServiceClient

UNAVAILABLE = bilingual("service.payments.unavailable")


class PaymentsClient(ServiceClient):
    """One method per payments endpoint the portal uses; errors raise `ApiError`."""

    unavailable_code = "payments_unavailable"
    unavailable_message = UNAVAILABLE

    # --- Payment methods, balance, invoices and receipts (step 5, card update) ---------------
    @staticmethod
    def attachment_name(
        response: httpx.Response, default: str, suffixes: tuple[str, ...] = (".pdf",)
    ) -> str:
        """The file name of a service's `Content-Disposition`, reduced to safe characters."""
        given = response.headers.get("content-disposition", "").partition('filename="')[2]
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in given.partition('"')[0])
        return name if name.endswith(suffixes) and not name.startswith(".") else default

    async def pad_agreement(self, ip: str, token: str, version: str | None = None) -> JSON:
        """The PAD agreement text `{version, text_fr, text_en}`, the current one by default."""
        found: JSON = await self._json(
            "GET", "/v1/pad-agreement", ip, token, params={"version": version}
        )
        return found

    async def add_card(self, ip: str, token: str, card: JSON) -> JSON:
        """ "Soumettre": the card is tokenised; the answer holds brand, last 4 and expiry."""
        created: JSON = await self._json("POST", "/v1/payment-methods/card", ip, token, body=card)
        return created

    async def add_pad(
        self, ip: str, token: str, bank: dict[str, str], specimen: tuple[str, bytes, str]
    ) -> JSON:
        """ "Ajouter": a bank account, its accepted agreement and the cheque specimen."""
        files: Files = {"specimen": specimen}
        created: JSON = await self._json(
            "POST", "/v1/payment-methods/pad", ip, token, form=bank, files=files
        )
        return created

    async def replace_pad(
        self,
        ip: str,
        token: str,
        method_id: str,
        bank: dict[str, str],
        specimen: tuple[str, bytes, str],
    ) -> JSON:
        """New banking details for a bank account (after the bank refused the old one)."""
        path = f"/v1/payment-methods/{method_id}/pad"
        files: Files = {"specimen": specimen}
        replaced: JSON = await self._json("PUT", path, ip, token, form=bank, files=files)
        return replaced

    async def payment_methods(self, ip: str, token: str) -> list[JSON]:
        """The caller's payment methods on file."""
        found: list[JSON] = await self._json("GET", "/v1/payment-methods", ip, token)
        return found

    async def replace_card(self, ip: str, token: str, method_id: str, card: JSON) -> JSON:
        """ "Mettre à jour la carte de crédit": the same method, the new card's token."""
        path = f"/v1/payment-methods/{method_id}/card"
        answer: JSON = await self._json("PUT", path, ip, token, body=card)
        return answer

    async def delete_method(self, ip: str, token: str, method_id: str) -> None:
        """Remove a method (and its specimen file)."""
        await self._call("DELETE", f"/v1/payment-methods/{method_id}", ip, token)

    async def specimen(self, ip: str, token: str, method_id: str) -> tuple[bytes, str, str]:
        """A bank account's cheque specimen: (content, media type, file name); owner or operator."""
        response = await self._call("GET", f"/v1/payment-methods/{method_id}/specimen", ip, token)
        media_type = response.headers.get("content-type", "application/octet-stream")
        default = f"specimen-{method_id[:8]}"
        name = self.attachment_name(response, default, (".pdf", ".png", ".jpg", ".jpeg"))
        return response.content, media_type.split(";")[0], name

    async def balance(self, ip: str, token: str) -> int:
        """ "Solde": what the caller owes, in cents (negative: a credit)."""
        found: JSON = await self._json("GET", "/v1/balance", ip, token)
        return int(found.get("balance_cents") or 0)

    async def invoices(self, ip: str, token: str) -> list[JSON]:
        """The caller's invoices, newest first."""
        found: list[JSON] = await self._json("GET", "/v1/invoices", ip, token)
        return found

    async def invoice_pdf(self, ip: str, token: str, invoice_id: str) -> tuple[bytes, str]:
        """An invoice's PDF and the file name the service gives it."""
        response = await self._call("GET", f"/v1/invoices/{invoice_id}/pdf", ip, token)
        return response.content, self.attachment_name(response, f"facture-{invoice_id[:8]}.pdf")

    async def receipt_pdf(self, ip: str, token: str, receipt_id: str) -> tuple[bytes, str]:
        """A paid invoice's receipt PDF and its file name."""
        response = await self._call("GET", f"/v1/receipts/{receipt_id}/pdf", ip, token)
        return response.content, self.attachment_name(response, f"recu-{receipt_id[:8]}.pdf")

    # --- Claim notices and the operators' payment views ---------------------------------------
    async def lookup_claim(self, ip: str, number: str, plate: str) -> JSON:
        """A claim notice by its number and plate (anonymous; 404 `claim_not_found`)."""
        body = {"number": number, "plate": plate}
        found: JSON = await self._json("POST", "/v1/claim-notices/lookup", ip, None, body=body)
        return found

    async def pay_claim(
        self, ip: str, number: str, plate: str, card: JSON, email: str | None, language: str = "fr"
    ) -> JSON:
        """Pay a notice by card (anonymous): `{status: "paid", receipt_id, receipt_number, ...}`,
        or `{status: "requires_action", payment_id, action_url}` (3-D Secure: the browser goes
        to `action_url`, then back to the return page); with an email, the receipt is emailed
        in the page's `language`."""
        body = {
            "number": number,
            "plate": plate,
            "card": card,
            "email": email or None,
            "language": "en" if language == "en" else "fr",
        }
        paid: JSON = await self._json("POST", "/v1/claim-notices/pay", ip, None, body=body)
        return paid

    async def settle_claim(self, ip: str, payment_id: str) -> JSON:
        """The return page's question after 3-D Secure: paid (the receipt) or still
        `requires_action`; 402 `card_declined` (nothing charged), 409 `claim_already_paid`."""
        path = f"/v1/claim-notices/payments/{payment_id}/settle"
        settled: JSON = await self._json("POST", path, ip, None)
        return settled

    async def claim_receipt_pdf(self, ip: str, receipt_id: str, plate: str) -> bytes:
        """The PDF of a claim notice's receipt, for whoever knows the plate."""
        path = f"/v1/claim-notices/receipts/{receipt_id}"
        response = await self._call("GET", path, ip, None, params={"plate": plate})
        return response.content

    async def my_claims(self, ip: str, token: str) -> list[JSON]:
        """Notices on the caller's registered plates."""
        found: list[JSON] = await self._json("GET", "/v1/claim-notices/mine", ip, token)
        return found

    async def create_claim(self, ip: str, token: str, notice: JSON) -> JSON:
        """Issue one claim notice (operators; 409 `claim_number_taken`)."""
        path = "/v1/operator/claim-notices"
        created: JSON = await self._json("POST", path, ip, token, body=notice)
        return created

    async def latest_claims(self, ip: str, token: str) -> list[JSON]:
        """The notices issued last, newest first (operators)."""
        found: list[JSON] = await self._json("GET", "/v1/operator/claim-notices", ip, token)
        return found

    async def import_claims(self, ip: str, token: str, filename: str, content: bytes) -> JSON:
        """Import notices from a CSV (operators): `{imported, errors: [{line, field, code}]}`."""
        files = {"file": (filename or "avis.csv", content, "text/csv")}
        path = "/v1/operator/claim-notices/import"
        result: JSON = await self._json("POST", path, ip, token, files=files)
        return result

    async def import_pad_returns(self, ip: str, token: str, filename: str, content: bytes) -> JSON:
        """Import the bank's CPA-005 returns file (operators): the returned debits applied."""
        files = {"file": (filename or "retours.txt", content, "text/plain")}
        result: JSON = await self._json("POST", "/v1/operator/pad-returns", ip, token, files=files)
        return result

    async def bank_details_refused(self, ip: str, token: str) -> list[JSON]:
        """The caller's bank accounts a returned debit showed unusable (closed, invalid...)."""
        path = "/v1/pad-returns/bank-details-refused"
        found: list[JSON] = await self._json("GET", path, ip, token)
        return found

    async def account_billing(self, ip: str, token: str, account_id: str) -> JSON:
        """An account's balance, invoices, methods and adjustments (operators)."""
        path = f"/v1/operator/accounts/{account_id}/billing"
        found: JSON = await self._json("GET", path, ip, token)
        return found

    async def adjust_account(
        self, ip: str, token: str, account_id: str, kind: str, amount_cents: int, reason: str
    ) -> JSON:
        """Record a manual payment or a credit with its reason (operators; 422 on `reason`)."""
        path = f"/v1/operator/accounts/{account_id}/adjustments"
        body = {"kind": kind, "amount_cents": amount_cents, "reason": reason}
        answer: JSON = await self._json("POST", path, ip, token, body=body)
        return answer
