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
    """Redeem the hosted page's single-use token for a reusable one, then charge that
    (idempotent per key)."""

    async def redeem(self, single_use_token: str) -> CardToken: ...

    async def charge(
        self, token: str, amount_cents: int, idempotency_key: str
    ) -> GatewayCharge: ...


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
