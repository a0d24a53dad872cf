"""The payment-gateway port: what billing asks of a card processor, and the app's choice of one.

The card number never reaches this service: the processor's hosted card page takes it and hands
the browser a single-use token, which the portal forwards here to be redeemed for a reusable
one (docs/payments-api.md, "Hosted card entry"). A processor plugs in by implementing
`PaymentGateway`; the embedded default is the sandbox (`services.payments.sandbox_gateway`),
whose hosted page is `services.payments.hosted_card`.
"""

from dataclasses import dataclass
from typing import Literal, Protocol

from fastapi import Request

from servicekit.errors import DomainError


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class GatewayCharge:
    reference: str
    status: Literal["captured", "declined"]
    decline_code: str | None = None


@dataclass(frozen=True)
class GatewayRefund:
    """Money paid back on a captured charge: `pending` until the processor confirms it."""

    reference: str
    charge_reference: str
    amount_cents: int
    status: Literal["pending", "succeeded", "failed"]


@dataclass(frozen=True)
class CustomerCharge:
    """A charge the payer is present for (customer-initiated): it may need 3-D Secure first.

    `requires_action`: the payer must open `action_url` (the issuer's challenge) and come back
    to the return URL; reading the charge again (`customer_charge`) or the processor's webhook
    then tells the final outcome. A charge still being processed also reads `requires_action`
    (not final yet), without an `action_url`. A canceled charge reads `declined` (`canceled`).
    """

    reference: str
    status: Literal["captured", "declined", "requires_action"]
    decline_code: str | None = None
    action_url: str | None = None


class CardDeclined(DomainError):
    status_code = 402
    code = "card_declined"


class CardExpired(DomainError):
    status_code = 422
    code = "card_expired"


class UnknownToken(DomainError):
    status_code = 422
    code = "card_token_unknown"


class SingleUseTokenInvalid(DomainError):
    """The hosted page's token is unknown, already used or expired: the card must be typed again."""

    status_code = 422
    code = "card_token_invalid"


class PaymentGateway(Protocol):
    """Redeem the hosted page's single-use token for a reusable one, charge that (merchant-
    initiated, or with the payer present: 3-D Secure possible, then read or cancel that charge),
    and pay back part of a captured charge (each write idempotent per key)."""

    async def redeem(self, single_use_token: str) -> CardToken: ...

    async def charge(
        self, token: str, amount_cents: int, idempotency_key: str
    ) -> GatewayCharge: ...

    async def charge_customer_present(
        self, token: str, amount_cents: int, idempotency_key: str, return_url: str | None = None
    ) -> CustomerCharge: ...

    async def customer_charge(self, reference: str) -> CustomerCharge:
        """A customer-present charge as it stands now (after the payer's challenge, or not)."""
        ...

    async def cancel_customer_charge(self, reference: str) -> CustomerCharge:
        """Cancel a charge still waiting for its challenge; one that succeeded meanwhile
        answers `captured` (never canceled), one already declined or canceled answers so."""
        ...

    async def refund(
        self, charge_reference: str, amount_cents: int, idempotency_key: str
    ) -> GatewayRefund: ...


def gateway(request: Request) -> PaymentGateway:
    """The app's gateway (its components' when set), the sandbox on the app's database otherwise."""
    state = request.app.state
    components = getattr(state, "components", None)
    if components is not None and getattr(components, "gateway", None) is not None:
        shared: PaymentGateway = components.gateway
        return shared
    if getattr(state, "gateway", None) is None:
        from services.payments.sandbox_gateway import SandboxGateway  # the port knows no adapter

        state.gateway = SandboxGateway(state.sessionmaker)
    found: PaymentGateway = state.gateway
    return found


# --- Processor adapters (issue 16): refunds, unavailability, key reuse, decline codes ---------
# Kept in one block at the end of the port so it merges apart from the hosted card page's work.
# A real processor's adapter lives in `services.payments.processors`; `configured_gateway`
# there picks the adapter the settings name (`PAYMENTS_PROCESSOR`, the sandbox by default).


class GatewayUnavailable(DomainError):
    """The processor did not answer (timeout, 5xx, connection): retry later with the SAME key,
    so a charge it did take is answered again instead of being taken twice."""

    status_code = 503
    code = "gateway_unavailable"


class GatewayKeyReused(DomainError):
    """The processor refused an idempotency key already used with other parameters: a defect
    of the caller, never retried."""

    status_code = 409
    code = "gateway_idempotency_key_reused"


class GatewayRefused(DomainError):
    """The processor refused a request for a reason no retry fixes (bad parameters, a refund
    larger than the charge...); `details` carry its code."""

    status_code = 422
    code = "gateway_refused"


# The port's decline codes a processor adapter maps its answers to (docs/billing.md
# "Processor"); any other code is a soft decline, retried on the decline calendar.
# card_unusable: stolen, lost, expired...: the card is never charged again until it is replaced
# (services.payments.processors.refusals). authentication_required: the issuer wants 3-D
# Secure, which an off-session charge cannot do: retried like a soft decline; the payer updates
# the card on-session.
CARD_UNUSABLE = "card_unusable"
AUTHENTICATION_REQUIRED = "authentication_required"
# A customer-present charge canceled before its challenge was completed (nothing charged).
CANCELED = "canceled"
# The payer refused or failed the issuer's challenge.
AUTHENTICATION_FAILED = "authentication_failed"
