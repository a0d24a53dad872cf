"""Issue a single-use token for a card typed in the hosted page (the processor's side)."""

import secrets
import string
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.cards import brand_of
from servicekit.db import transaction, utcnow
from services.payments.hosted_card.schemas import CardEntryIn, SingleUseTokenOut
from services.payments.sandbox_gateway import REFUSE, TEST_CARDS
from services.payments.sandbox_models import SandboxSingleUseToken

# Letters only: a token can never look like a card number in a log or a database.
_ALPHABET = string.ascii_letters


def new_token() -> str:
    """`stk_` and 32 random letters (about 182 bits)."""
    return "stk_" + "".join(secrets.choice(_ALPHABET) for _ in range(32))


async def issue(
    sessions: async_sessionmaker[AsyncSession], card: CardEntryIn, seconds: int
) -> SingleUseTokenOut:
    """A token for this card, valid `seconds` and once; the number is not kept, only its
    brand, last 4, expiry and the sandbox's script for it (docs/payments-api.md)."""
    now = utcnow()
    row = SandboxSingleUseToken(
        token=new_token(),
        brand=brand_of(card.number),
        last4=card.number[-4:],
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        behaviour=TEST_CARDS.get(card.number, REFUSE),
        expires_at=now + timedelta(seconds=seconds),
        created_at=now,
    )
    async with transaction(sessions) as session:
        session.add(row)
    return SingleUseTokenOut(
        token=row.token,
        brand=row.brand,
        last4=row.last4,
        exp_month=row.exp_month,
        exp_year=row.exp_year,
        expires_at=row.expires_at,
    )
