"""The embedded gateway: a sandbox that behaves like a processor's test mode.

The card is typed on its hosted page (`services.payments.hosted_card`, its own port), which
writes a single-use token (`sandbox_single_use_tokens`); `redeem` turns that into a card token
(`sandbox_cards`) once, `charge` charges it (`sandbox_charges`) and `refund` pays part of a
charge back (`sandbox_refunds`). The challenge card asks a customer-present charge for 3-D
Secure: the charge waits (`requires_action`) until the payer answers the hosted challenge page
(`services.payments.hosted_card.challenge`, on the hosted card page's origin).
Each call runs in its own short transaction, as a remote processor would: a caller's rollback
does not undo a capture.
The number itself is kept nowhere: only the brand, last 4, expiry and the test number's script.
"""

import secrets
import string
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import read_transaction, transaction, utcnow
from servicekit.settings import platform_settings
from services.payments.gateway import (
    AUTHENTICATION_REQUIRED,
    CANCELED,
    CardDeclined,
    CardExpired,
    CardToken,
    CustomerCharge,
    GatewayCharge,
    GatewayRefund,
    GatewayRefused,
    SingleUseTokenInvalid,
    UnknownToken,
)
from services.payments.sandbox_models import (
    SandboxCard,
    SandboxCharge,
    SandboxRefund,
    SandboxSingleUseToken,
)

# The documented test numbers (docs/payments-api.md) and their script: `capture` and `decline`
# (every charge declined) become cards; `refuse` (declined) and `expired` are refused when the
# single-use token is redeemed; `challenge` (Stripe's 3-D Secure test number) asks every
# customer-present charge for 3-D Secure and declines merchant-initiated ones
# (`authentication_required`, as an issuer does off-session). Any other number is refused, as
# a processor's test mode refuses real cards.
CAPTURE, DECLINE, REFUSE, EXPIRED = "capture", "decline", "refuse", "expired"
CHALLENGE = "challenge"
CHALLENGE_PATH = "/3ds/"  # the hosted challenge page, on the hosted card page's origin
TEST_CARDS: dict[str, str] = {
    "4242424242424242": CAPTURE,
    "5555555555554444": CAPTURE,
    "378282246310005": CAPTURE,
    "4000000000000002": REFUSE,
    "4000000000000341": DECLINE,
    "4000000000000069": EXPIRED,
    "4000002760003184": CHALLENGE,
}
_ALPHABET = string.ascii_letters  # no digits: an identifier can never look like a card number


def _random_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(24))


class SandboxGateway:
    """The embedded test-mode processor."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], challenge_origin: str | None = None
    ) -> None:
        self.sessions = sessions
        # Where the payer answers the challenge: the hosted card page's origin (port 8005).
        self.challenge_origin = (challenge_origin or platform_settings().hosted_card_origin).rstrip(
            "/"
        )

    async def redeem(self, single_use_token: str) -> CardToken:
        """The card behind a hosted page's token, once: a used, expired or unknown token is
        `SingleUseTokenInvalid`; the refusing test numbers answer their refusal."""
        async with transaction(self.sessions) as session:
            entry = await _claim(session, single_use_token)
            if entry.behaviour == REFUSE:
                raise CardDeclined(keep_changes=True)
            if entry.behaviour == EXPIRED:
                raise CardExpired(keep_changes=True)
            row = SandboxCard(
                token=_random_id("tok_"),
                brand=entry.brand,
                last4=entry.last4,
                exp_month=entry.exp_month,
                exp_year=entry.exp_year,
                behaviour=entry.behaviour,
            )
            session.add(row)
        return CardToken(row.token, row.brand, row.last4, row.exp_month, row.exp_year)

    async def charge(self, token: str, amount_cents: int, idempotency_key: str) -> GatewayCharge:
        """Capture or decline; the same key answers the first result and charges nothing."""
        return _answer(await self._charge_once(token, amount_cents, idempotency_key))

    async def charge_customer_present(
        self, token: str, amount_cents: int, idempotency_key: str, return_url: str | None = None
    ) -> CustomerCharge:
        """The payer present: captured or declined at once, or, for the challenge card,
        `requires_action` with the hosted challenge page's URL (which sends the payer to
        `return_url` once answered). Once per key: a repeat answers the charge as it stands."""
        row = await self._charge_once(
            token, amount_cents, idempotency_key, present=True, return_url=return_url
        )
        return self._customer_answer(row)

    async def _charge_once(
        self,
        token: str,
        amount_cents: int,
        key: str,
        present: bool = False,
        return_url: str | None = None,
    ) -> SandboxCharge:
        """The key's charge: the one made before, else a new one (of two calls with the same
        key at once, one inserts and the other reads it). With the payer `present`, the
        challenge card's charge waits for its challenge, which then sends them to `return_url`."""
        first = await self._charge_row(key)
        if first is not None:
            return first
        try:
            async with transaction(self.sessions) as session:
                card = await session.get(SandboxCard, token)
                if card is None:
                    raise UnknownToken()
                row = self._new_charge(card, amount_cents, key)
                if present and card.behaviour == CHALLENGE:
                    row.status, row.decline_code = "requires_action", None
                    row.return_url = return_url
                session.add(row)
        except IntegrityError:  # a concurrent call with the same key got there first
            again = await self._charge_row(key)
            assert again is not None
            return again
        return row

    async def customer_charge(self, reference: str) -> CustomerCharge:
        """The charge as it stands (the challenge answered, or still waiting)."""
        async with read_transaction(self.sessions) as session:
            row = await session.get(SandboxCharge, reference)
        if row is None:
            raise UnknownToken("reference")
        return self._customer_answer(row)

    async def cancel_customer_charge(self, reference: str) -> CustomerCharge:
        """A charge still waiting for its challenge is canceled; any other is answered as it
        stands (a challenge answered meanwhile wins: captured is never canceled)."""
        async with transaction(self.sessions) as session:
            await session.execute(
                update(SandboxCharge)
                .where(SandboxCharge.reference == reference)
                .where(SandboxCharge.status == "requires_action")
                .values(status="canceled", decline_code=CANCELED)
            )
        return await self.customer_charge(reference)

    def _customer_answer(self, row: SandboxCharge) -> CustomerCharge:
        if row.status == "requires_action":
            url = f"{self.challenge_origin}{CHALLENGE_PATH}{row.reference}"
            return CustomerCharge(row.reference, "requires_action", action_url=url)
        answer = _answer(row)
        return CustomerCharge(answer.reference, answer.status, answer.decline_code)

    @staticmethod
    def _new_charge(card: SandboxCard, amount_cents: int, key: str) -> SandboxCharge:
        """A merchant-initiated charge's outcome (the challenge card's: the issuer wants 3-D
        Secure, which nobody is there to answer)."""
        captured = card.behaviour == CAPTURE
        declined = AUTHENTICATION_REQUIRED if card.behaviour == CHALLENGE else "insufficient_funds"
        return SandboxCharge(
            reference=_random_id("ch_"),
            idempotency_key=key,
            token=card.token,
            amount_cents=amount_cents,
            status="captured" if captured else "declined",
            decline_code=None if captured else declined,
        )

    async def refund(
        self, charge_reference: str, amount_cents: int, idempotency_key: str
    ) -> GatewayRefund:
        """Paid back at once and recorded (`sandbox_refunds`); a repeat of the key answers the
        first refund; more than the charge has left is refused."""
        first = await self._refund_of(idempotency_key)
        if first is not None:
            return first
        try:
            async with transaction(self.sessions) as session:
                await _refundable(session, charge_reference, amount_cents)
                row = SandboxRefund(
                    reference=_random_id("re_"),
                    idempotency_key=idempotency_key,
                    charge_reference=charge_reference,
                    amount_cents=amount_cents,
                )
                session.add(row)
        except IntegrityError:  # a concurrent call with the same key got there first
            again = await self._refund_of(idempotency_key)
            assert again is not None
            return again
        return _refund_answer(row)

    async def _refund_of(self, key: str) -> GatewayRefund | None:
        async with read_transaction(self.sessions) as session:
            found = await session.scalar(
                select(SandboxRefund).where(SandboxRefund.idempotency_key == key)
            )
        return None if found is None else _refund_answer(found)

    async def _charge_row(self, key: str) -> SandboxCharge | None:
        async with read_transaction(self.sessions) as session:
            return await session.scalar(
                select(SandboxCharge).where(SandboxCharge.idempotency_key == key)
            )


async def _claim(session: AsyncSession, token: str) -> SandboxSingleUseToken:
    """Mark the token used, atomically: of two redemptions at once, one gets it."""
    now = utcnow()
    claimed = await session.execute(
        update(SandboxSingleUseToken)
        .where(
            SandboxSingleUseToken.token == token,
            SandboxSingleUseToken.used_at.is_(None),
            SandboxSingleUseToken.expires_at > now,
        )
        .values(used_at=now)
    )
    won = bool(claimed.rowcount)  # type: ignore[attr-defined]
    entry = await session.get(SandboxSingleUseToken, token) if won else None
    if entry is None:
        raise SingleUseTokenInvalid("card_token")
    return entry


async def _refundable(session: AsyncSession, reference: str, amount_cents: int) -> None:
    """The captured charge, locked, with `amount_cents` left to pay back (refused otherwise)."""
    query = select(SandboxCharge).where(SandboxCharge.reference == reference).with_for_update()
    charge = await session.scalar(query)
    if charge is None or charge.status != "captured":
        raise GatewayRefused(processor_code="charge_not_refundable")
    paid_back = await session.scalar(
        select(func.coalesce(func.sum(SandboxRefund.amount_cents), 0)).where(
            SandboxRefund.charge_reference == reference
        )
    )
    if amount_cents > charge.amount_cents - int(paid_back or 0):
        raise GatewayRefused(processor_code="amount_too_large")


def _refund_answer(row: SandboxRefund) -> GatewayRefund:
    return GatewayRefund(row.reference, row.charge_reference, row.amount_cents, "succeeded")


def _answer(row: SandboxCharge) -> GatewayCharge:
    status: Literal["captured", "declined"] = "captured" if row.status == "captured" else "declined"
    return GatewayCharge(row.reference, status, row.decline_code)
