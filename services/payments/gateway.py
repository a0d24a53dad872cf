"""The payment-gateway port: what billing asks of a card processor, and the app's choice of one.

A processor plugs in by implementing `PaymentGateway`; the embedded default is the sandbox
(`services.payments.sandbox_gateway`).
"""

from dataclasses import dataclass
from typing import Literal, Protocol

from fastapi import Request

from servicekit.cards import digits_of
from servicekit.errors import DomainError


@dataclass(frozen=True)
class CardDetails:
    """What the payer typed; used only to tokenise, never stored, logged or returned."""

    holder_name: str
    number: str
    exp_month: int
    exp_year: int
    cvv: str

    def __repr__(self) -> str:  # a stray log line must not print the number or the CVV
        return f"CardDetails(holder_name=..., last4={digits_of(self.number)[-4:]})"


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


class CardNumberInvalid(DomainError):
    status_code = 422
    code = "card_number_invalid"


class UnknownToken(DomainError):
    status_code = 422
    code = "card_token_unknown"


class PaymentGateway(Protocol):
    """Tokenise a card, then charge the token (idempotent per key)."""

    async def tokenize(self, card: CardDetails) -> CardToken: ...

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
