"""A card the processor called unusable (stolen, lost, expired...) is not charged again until
it is replaced: each later charge on it declines at once with the same code, without asking
the processor (docs/billing.md "Processor")."""

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.gateway import CARD_UNUSABLE
from services.payments.models import Charge, PaymentMethod


async def card_refused(session: AsyncSession, method: PaymentMethod) -> bool:
    """Whether a charge on this card was declined as unusable since it was last replaced."""
    query = select(
        exists().where(
            Charge.payment_method_id == method.id,
            Charge.decline_code == CARD_UNUSABLE,
            Charge.completed_at >= method.updated_at,
        )
    )
    return bool(await session.scalar(query))
