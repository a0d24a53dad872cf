"""The Stripe adapter of the payment-gateway port (PaymentIntents, Customers, Refunds).

A card reaches Stripe only from the payer's browser (Stripe Elements makes a PaymentMethod
`pm_...`); the server never sends a card number. `redeem` attaches that PaymentMethod to a new
Customer, and the stored token is `cus_.../pm_...`: the stored credential that every later
merchant-initiated charge references (`off_session=true`). A customer-present charge may need
3-D Secure (`requires_action`, the challenge's URL). Every write carries the caller's
idempotency key, so a retry after a timeout answers the first result.
"""

from typing import Any, Literal

from services.payments.gateway import (
    AUTHENTICATION_REQUIRED,
    CANCELED,
    CARD_UNUSABLE,
    CardToken,
    CustomerCharge,
    GatewayCharge,
    GatewayRefund,
    GatewayUnavailable,
    UnknownToken,
)
from services.payments.processors import stripe_declines as declines
from services.payments.processors.stripe_client import StripeClient, StripeError


def split_token(token: str) -> tuple[str, str]:
    """(customer, payment method) of a stored token `cus_.../pm_...`."""
    customer, _, method = token.partition("/")
    if not customer.startswith("cus_") or not method.startswith("pm_"):
        raise UnknownToken()
    return customer, method


class StripeGateway:
    """Stripe behind the port; `client` carries the base URL, the key and the timeout."""

    def __init__(self, client: StripeClient, currency: str, return_url: str) -> None:
        self.client = client
        self.currency = currency.lower()
        self.return_url = return_url

    async def aclose(self) -> None:
        await self.client.aclose()

    async def redeem(self, single_use_token: str) -> CardToken:
        """The browser's PaymentMethod attached to a new Customer: the stored credential."""
        if not single_use_token.startswith("pm_"):
            raise UnknownToken("token")
        try:
            customer = await self.client.post(
                "/v1/customers",
                {"metadata": {"payment_method": single_use_token}},
                f"redeem:{single_use_token}:customer",
            )
            method = await self.client.post(
                f"/v1/payment_methods/{single_use_token}/attach",
                {"customer": customer["id"]},
                f"redeem:{single_use_token}:attach",
            )
        except StripeError as failure:
            raise declines.request_error(failure) from None
        card = method.get("card") or {}
        return CardToken(
            token=f"{customer['id']}/{method['id']}",
            brand=str(card.get("brand") or "unknown"),
            last4=str(card.get("last4") or ""),
            exp_month=int(card.get("exp_month") or 0),
            exp_year=int(card.get("exp_year") or 0),
        )

    async def charge(self, token: str, amount_cents: int, idempotency_key: str) -> GatewayCharge:
        """A merchant-initiated charge of the stored credential (the billing loop's). A token
        Stripe cannot know (the sandbox's, from before the switch) is a card to replace."""
        try:
            customer, method = split_token(token)
        except UnknownToken:
            return GatewayCharge("", "declined", CARD_UNUSABLE)
        params = self._intent(customer, method, amount_cents) | {"off_session": True}
        try:
            intent = await self.client.post("/v1/payment_intents", params, idempotency_key)
        except StripeError as failure:
            return declines.declined_charge(failure)
        intent = await self._settled(intent)
        status = intent.get("status")
        if status == "succeeded":
            return GatewayCharge(str(intent["id"]), "captured")
        if status == "requires_action":  # off-session, the issuer still wants the payer
            return GatewayCharge(str(intent["id"]), "declined", AUTHENTICATION_REQUIRED)
        return GatewayCharge(str(intent["id"]), "declined", declines.last_error_code(intent))

    async def charge_customer_present(
        self, token: str, amount_cents: int, idempotency_key: str, return_url: str | None = None
    ) -> CustomerCharge:
        """A customer-initiated charge: 3-D Secure when the issuer asks (`requires_action`,
        the challenge's URL; the payer comes back to `return_url`, the webhook tells the end)."""
        customer, method = split_token(token)
        params = self._intent(customer, method, amount_cents) | {
            "return_url": return_url or self.return_url,
            "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        }
        try:
            intent = await self.client.post("/v1/payment_intents", params, idempotency_key)
        except StripeError as failure:
            declined = declines.declined_charge(failure)
            charge = CustomerCharge(declined.reference, "declined", declined.decline_code)
            return await self._final(charge)
        return await self._final(customer_charge_of(intent))

    async def customer_charge(self, reference: str) -> CustomerCharge:
        """The PaymentIntent as it stands (`GET /v1/payment_intents/{id}`); a declined one is
        canceled first, so the decline is final."""
        return await self._final(await self._read(reference))

    async def _read(self, reference: str) -> CustomerCharge:
        try:
            intent = await self.client.get(f"/v1/payment_intents/{reference}")
        except StripeError as failure:
            raise declines.request_error(failure) from None
        return customer_charge_of(intent)

    async def _final(self, charge: CustomerCharge) -> CustomerCharge:
        """A declined PaymentIntent (`requires_payment_method`) is not final at Stripe: anyone
        holding its client secret (Stripe adds it to the return page's address) could confirm
        it again. It is canceled before the port says declined; a success meanwhile answers
        captured instead."""
        declined = charge.status == "declined" and charge.decline_code != CANCELED
        if not declined or not charge.reference.startswith("pi_"):
            return charge
        after = await self.cancel_customer_charge(charge.reference)
        return charge if after.status == "declined" else after

    async def cancel_customer_charge(self, reference: str) -> CustomerCharge:
        """`POST /v1/payment_intents/{id}/cancel`: Stripe refuses to cancel an intent that
        succeeded (or is canceled already) with `payment_intent_unexpected_state`; the intent
        is then read, so a payment that went through is answered `captured`, never lost."""
        path = f"/v1/payment_intents/{reference}/cancel"
        try:
            intent = await self.client.post(path, {}, f"cancel:{reference}")
        except StripeError as failure:
            if failure.code != "payment_intent_unexpected_state":
                raise declines.request_error(failure) from None
            return await self._read(reference)
        return customer_charge_of(intent)

    async def refund(
        self, charge_reference: str, amount_cents: int, idempotency_key: str
    ) -> GatewayRefund:
        """Pay back part or all of a captured PaymentIntent."""
        params = {"payment_intent": charge_reference, "amount": amount_cents}
        try:
            refund = await self.client.post("/v1/refunds", params, idempotency_key)
        except StripeError as failure:
            raise declines.request_error(failure) from None
        return GatewayRefund(
            reference=str(refund["id"]),
            charge_reference=charge_reference,
            amount_cents=int(refund.get("amount", amount_cents)),
            status=refund_status(refund.get("status")),
        )

    def _intent(self, customer: str, method: str, amount_cents: int) -> dict[str, Any]:
        return {
            "amount": amount_cents,
            "currency": self.currency,
            "customer": customer,
            "payment_method": method,
            "payment_method_types": ["card"],
            "confirm": True,
        }

    async def _settled(self, intent: dict[str, Any]) -> dict[str, Any]:
        """A PaymentIntent still `processing` is read again; still processing: retry later (the
        same key then answers the saved `processing`, and this reads the news)."""
        if intent.get("status") != "processing":
            return intent
        try:
            fresh = await self.client.get(f"/v1/payment_intents/{intent['id']}")
        except StripeError:
            raise GatewayUnavailable(reason="processing") from None
        if fresh.get("status") == "processing":
            raise GatewayUnavailable(reason="processing")
        return fresh


def refund_status(status: object) -> Literal["pending", "succeeded", "failed"]:
    """Stripe's refund status as the port's (`requires_action` and `pending` wait)."""
    if status == "succeeded":
        return "succeeded"
    if status in ("failed", "canceled"):
        return "failed"
    return "pending"


def customer_charge_of(intent: dict[str, Any]) -> CustomerCharge:
    """A PaymentIntent as the port's customer-present charge: `succeeded` captured; waiting for
    the payer (or still processing) `requires_action`; `canceled` or back to
    `requires_payment_method` (the challenge failed) declined."""
    reference, status = str(intent["id"]), intent.get("status")
    if status == "succeeded":
        return CustomerCharge(reference, "captured")
    if status == "requires_action":
        return CustomerCharge(reference, "requires_action", action_url=_action_url(intent))
    if status in ("processing", "requires_confirmation", "requires_capture"):
        return CustomerCharge(reference, "requires_action")
    if status == "canceled":
        return CustomerCharge(reference, "declined", CANCELED)
    return CustomerCharge(reference, "declined", declines.last_error_code(intent))


def _action_url(intent: dict[str, Any]) -> str | None:
    action = intent.get("next_action") or {}
    redirect = action.get("redirect_to_url") or {}
    url = redirect.get("url")
    return str(url) if url else None
