"""All of subscriptions' SQL."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.subscriptions.models import BLOCKING_STATUSES, Subscription


async def count_blocking(session: AsyncSession, account_id: str) -> int:
    """Pending or active subscriptions of an account."""
    query = select(func.count()).where(
        Subscription.account_id == account_id, Subscription.status.in_(BLOCKING_STATUSES)
    )
    return int(await session.scalar(query) or 0)
