"""The subscriptions service's business gauges, read from its database at each scrape:
subscriptions by status and site, requests waiting for a decision and the oldest one's age,
and how many subscriptions must have an invoice for this month."""

from datetime import UTC, date, datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import MONTREAL
from servicekit.db import read_transaction
from servicekit.observability.metrics import owned_by
from services.subscriptions.models import RUNNING_STATUSES, ModificationRequest, Subscription

SUBSCRIPTIONS = Gauge(
    "parking_subscriptions", "Subscriptions by status and site.", ["status", "site_id"]
)
PENDING = Gauge(
    "parking_pending_requests",
    "Requests waiting for an operator's decision (subscriptions and modifications).",
)
OLDEST_AGE = Gauge(
    "parking_oldest_pending_request_age_seconds",
    "How long the oldest request waiting for a decision has waited (0 when none).",
)
OLDEST_BUSINESS_DAYS = Gauge(
    "parking_oldest_pending_request_business_days",
    "The same wait counted in business days, Monday to Friday in Montréal (0 when none).",
)
BILLABLE = Gauge(
    "parking_billable_subscriptions",
    "Active or in-arrears subscriptions started on or before the 1st: each must have an "
    "invoice for this month.",
)
owned_by("subscriptions", SUBSCRIPTIONS, PENDING, OLDEST_AGE, OLDEST_BUSINESS_DAYS, BILLABLE)


def business_days_between(start: datetime, end: datetime) -> float:
    """Days from start to end counting only Monday to Friday (in Montréal), fractionally."""
    start, end = start.astimezone(MONTREAL), end.astimezone(MONTREAL)
    total = 0.0
    cursor = start
    while cursor < end:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), datetime.min.time())
        next_day = midnight.replace(tzinfo=MONTREAL)
        if cursor.weekday() < 5:
            total += (min(next_day, end) - cursor).total_seconds() / 86400
        cursor = next_day
    return total


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def first_of_month(now: datetime) -> date:
    return now.astimezone(MONTREAL).date().replace(day=1)


async def _oldest_pending(session: AsyncSession) -> tuple[int, datetime | None]:
    subscriptions = select(func.count(), func.min(Subscription.created_at)).where(
        Subscription.status == "pending_approval"
    )
    modifications = select(func.count(), func.min(ModificationRequest.created_at)).where(
        ModificationRequest.status == "pending"
    )
    count, oldest = 0, None
    for query in (subscriptions, modifications):
        found, when = (await session.execute(query)).one()
        count += found
        if when is not None:
            oldest = _aware(when) if oldest is None else min(oldest, _aware(when))
    return count, oldest


async def refresh(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """Set every gauge from the database."""
    async with read_transaction(sessions) as session:
        by_status = await session.execute(
            select(Subscription.status, Subscription.site_id, func.count()).group_by(
                Subscription.status, Subscription.site_id
            )
        )
        count, oldest = await _oldest_pending(session)
        billable = await session.scalar(
            select(func.count()).where(
                Subscription.status.in_(RUNNING_STATUSES),
                Subscription.start_date <= first_of_month(now),
            )
        )
    SUBSCRIPTIONS.clear()
    for status, site_id, found in by_status:
        SUBSCRIPTIONS.labels(status, str(site_id)).set(found)
    PENDING.set(count)
    OLDEST_AGE.set((now - oldest).total_seconds() if oldest else 0)
    OLDEST_BUSINESS_DAYS.set(business_days_between(oldest, now) if oldest else 0)
    BILLABLE.set(billable or 0)
