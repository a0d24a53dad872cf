"""Stripe's answers to a charge, as the port's outcomes (docs/billing.md "Processor").

- PaymentIntent `succeeded`: captured; the invoice is paid, with its receipt.
- 402 `card_error`, a soft decline (`insufficient_funds`, `generic_decline`...): declined with
  Stripe's decline code; retried on the decline calendar, an email each time, then arrears.
- 402 `card_error`, the card unusable (`stolen_card`, `lost_card`, `pickup_card`,
  `expired_card`...): declined, `card_unusable`; the invoice is unpaid and this card is never
  charged again until it is replaced.
- 402 `authentication_required` (3-D Secure wanted off-session): declined,
  `authentication_required`; retried like a soft decline (the payer updates the card).
- PaymentIntent `requires_action` (customer present): the challenge URL; the payer
  authenticates, the webhook tells the outcome.
- `resource_missing` (the Customer or PaymentMethod is gone), or a token that is not
  Stripe's: declined, `card_unusable`.
- 400 `idempotency_error`: GatewayKeyReused (409), a defect: the workflow stops (BillingStuck);
  409 `idempotency_error` (the same key still running at Stripe): GatewayUnavailable.
- no answer, 5xx, 429: GatewayUnavailable (503); the activity retries with the same key.
"""

from typing import Any

from services.payments.gateway import (
    AUTHENTICATION_REQUIRED,
    CARD_UNUSABLE,
    CardDeclined,
    GatewayCharge,
    GatewayKeyReused,
    GatewayRefused,
    GatewayUnavailable,
    UnknownToken,
)
from services.payments.processors.stripe_client import StripeError

# Issuer answers after which charging the same card again is pointless or harmful (Stripe's
# decline codes whose next step is "the customer must use another card"; `code` for
# `expired_card`, `incorrect_number`...).
UNUSABLE = frozenset(
    {
        "stolen_card",
        "lost_card",
        "pickup_card",
        "expired_card",
        "incorrect_number",
        "invalid_number",
        "invalid_account",
        "restricted_card",
        "card_not_supported",
        "currency_not_supported",
        "revocation_of_all_authorizations",
        "revocation_of_authorization",
        "security_violation",
        "stop_payment_order",
        "do_not_try_again",
        "fraudulent",
        "merchant_blacklist",
        "new_account_information_available",
    }
)


def port_decline_code(error: dict[str, Any]) -> str:
    """The port's decline code of a card error: `card_unusable`, `authentication_required`, or
    Stripe's own decline code for a soft decline."""
    code = str(error.get("code") or "")
    decline = str(error.get("decline_code") or code or "card_declined")
    if AUTHENTICATION_REQUIRED in (code, decline):
        return AUTHENTICATION_REQUIRED
    if decline in UNUSABLE or code in UNUSABLE:
        return CARD_UNUSABLE
    return decline[:40]


def intent_of(error: dict[str, Any]) -> str:
    """The PaymentIntent a failed charge left behind (the reference kept on the charge row)."""
    intent = error.get("payment_intent")
    if isinstance(intent, dict) and intent.get("id"):
        return str(intent["id"])
    return str(error.get("charge") or "")


def declined_charge(failure: StripeError) -> GatewayCharge:
    """A charge's error as the port's answer; errors no retry fixes raise."""
    error = failure.error
    if failure.type == "card_error":
        return GatewayCharge(intent_of(error), "declined", port_decline_code(error))
    if failure.code == "resource_missing":  # the Customer or PaymentMethod is gone at Stripe
        return GatewayCharge(intent_of(error), "declined", CARD_UNUSABLE)
    raise request_error(failure)


def request_error(failure: StripeError) -> Exception:
    """The domain error of a refused request that is not a card decline."""
    if failure.type == "idempotency_error" and failure.status == 409:
        # Another request with the key is still running at Stripe: ask again later.
        return GatewayUnavailable(reason="idempotency_key_in_use")
    if failure.type == "idempotency_error":
        return GatewayKeyReused()
    if failure.code == "resource_missing":
        return UnknownToken()
    if failure.type == "card_error":
        return CardDeclined(decline_code=port_decline_code(failure.error))
    return GatewayRefused(processor_code=failure.code or failure.type)


def last_error_code(intent: dict[str, Any]) -> str:
    """The decline code of a PaymentIntent that came back unpaid in a 200 answer."""
    last = intent.get("last_payment_error")
    return port_decline_code(last) if isinstance(last, dict) else "card_declined"
