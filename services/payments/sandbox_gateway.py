"""The embedded gateway: a sandbox that behaves like a processor's test mode.

It keeps its tokens and charges in its own tables (`sandbox_cards`, `sandbox_charges`), each
call in its own short transaction, as a remote processor would: a caller's rollback does not
undo a capture.
"""

import hashlib
import secrets
import string
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.cards import brand_of, digits_of, expired, is_card_number
from servicekit.db import read_transaction, transaction
from servicekit.errors import DomainError
from services.payments.gateway import (
    CardDeclined,
    CardDetails,
    CardExpired,
    CardNumberInvalid,
    CardToken,
    GatewayCharge,
    GatewayRefund,
    GatewayRefused,
    UnknownToken,
)
from services.payments.sandbox_models import SandboxCard, SandboxCharge

# The documented test numbers (docs/payments-api.md). Any other number is refused, as a
# processor's test mode refuses real cards.
CAPTURE, DECLINE = "capture", "decline"
TEST_CARDS: dict[str, str | DomainError] = {
    "4242424242424242": CAPTURE,
    "5555555555554444": CAPTURE,
    "378282246310005": CAPTURE,
    "4000000000000002": CardDeclined(),
    "4000000000000341": DECLINE,
    "4000000000000069": CardExpired(),
}
_ALPHABET = string.ascii_letters  # no digits: an identifier can never look like a card number


def _random_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(24))


class SandboxGateway:
    """The embedded test-mode processor."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def tokenize(self, card: CardDetails) -> CardToken:
        """A token for a documented test number; refusals as the table says."""
        digits = digits_of(card.number)
        if not is_card_number(digits):
            raise CardNumberInvalid("number")
        if expired(card.exp_month, card.exp_year, date.today()):
            raise CardExpired("exp_year")
        behaviour = TEST_CARDS.get(digits, CardDeclined())
        if isinstance(behaviour, DomainError):
            raise type(behaviour)()
        row = SandboxCard(
            token=_random_id("tok_"),
            brand=brand_of(digits),
            last4=digits[-4:],
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            behaviour=behaviour,
        )
        async with transaction(self.sessions) as session:
            session.add(row)
        return CardToken(row.token, row.brand, row.last4, row.exp_month, row.exp_year)

    async def charge(self, token: str, amount_cents: int, idempotency_key: str) -> GatewayCharge:
        """Capture or decline; the same key answers the first result and charges nothing."""
        first = await self._charge_of(idempotency_key)
        if first is not None:
            return first
        try:
            async with transaction(self.sessions) as session:
                card = await session.get(SandboxCard, token)
                if card is None:
                    raise UnknownToken()
                row = self._new_charge(card, amount_cents, idempotency_key)
                session.add(row)
        except IntegrityError:  # a concurrent call with the same key got there first
            again = await self._charge_of(idempotency_key)
            assert again is not None
            return again
        return _answer(row)

    @staticmethod
    def _new_charge(card: SandboxCard, amount_cents: int, key: str) -> SandboxCharge:
        captured = card.behaviour == CAPTURE
        return SandboxCharge(
            reference=_random_id("ch_"),
            idempotency_key=key,
            token=card.token,
            amount_cents=amount_cents,
            status="captured" if captured else "declined",
            decline_code=None if captured else "insufficient_funds",
        )

    async def refund(
        self, charge_reference: str, amount_cents: int, idempotency_key: str
    ) -> GatewayRefund:
        """Paid back at once; the reference follows from the key (a repeat gets the same)."""
        async with read_transaction(self.sessions) as session:
            charge = await session.scalar(
                select(SandboxCharge).where(SandboxCharge.reference == charge_reference)
            )
        if charge is None or charge.status != "captured" or amount_cents > charge.amount_cents:
            raise GatewayRefused(processor_code="charge_not_refundable")
        digest = hashlib.sha256(idempotency_key.encode()).digest()
        reference = "re_" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:24])
        return GatewayRefund(reference, charge_reference, amount_cents, "succeeded")

    async def _charge_of(self, key: str) -> GatewayCharge | None:
        async with read_transaction(self.sessions) as session:
            found = await session.scalar(
                select(SandboxCharge).where(SandboxCharge.idempotency_key == key)
            )
        return None if found is None else _answer(found)


def _answer(row: SandboxCharge) -> GatewayCharge:
    status: Literal["captured", "declined"] = "captured" if row.status == "captured" else "declined"
    return GatewayCharge(row.reference, status, row.decline_code)
