"""Occupancy per site and offering, for the operators' console.

Every figure is an aggregate the database computes (COUNT, MIN with CASE, GROUP BY offering);
the month's billed amount is summed by the payments service for each offering's subscriptions.
A subscription in arrears keeps its space (as `repository.active_count` counts it).

`waitlist` is how many people are in line or have a space offered to them (one more aggregate,
a correlated count in the same query).
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.lifecycle import RUNNING_STATUSES, Status
from services.subscriptions.figure_schemas import OccupancyOut, OccupancyRow
from services.subscriptions.models import Offering, Site, Subscription, WaitlistEntry

# The row's own columns, selected and grouped by (no entity: no eager join to group by).
OFFERING_COLUMNS = (
    Site.id.label("site_id"),
    Site.name.label("site_name"),
    Site.establishment,
    Offering.id.label("offering_id"),
    Offering.code.label("offering_code"),
    Offering.name.label("offering_name"),
    Offering.billing_mode,
    Offering.capacity,
)
OFFERING_FIELDS = tuple(column.key for column in OFFERING_COLUMNS)


def _figures(today: date) -> tuple[ColumnElement[Any], ...]:
    running = Subscription.status.in_(RUNNING_STATUSES)
    pending = Subscription.status == Status.PENDING_APPROVAL.value
    in_line = (
        select(func.count(WaitlistEntry.id))
        .where(
            WaitlistEntry.offering_id == Offering.id,
            WaitlistEntry.status.in_(("waiting", "offered")),
        )
        .correlate(Offering)
        .scalar_subquery()
    )
    return (
        in_line.label("waitlist"),
        func.count(case((and_(running, Subscription.start_date <= today), 1))).label("active"),
        func.count(case((and_(running, Subscription.start_date > today), 1))).label("later"),
        func.count(case((pending, 1))).label("pending"),
        func.min(case((pending, Subscription.created_at))).label("oldest"),
    )


async def figures(session: AsyncSession, today: date, site_id: int | None) -> list[OccupancyRow]:
    """One row per offering (of one site when given), in site then offering order."""
    query = (
        select(*OFFERING_COLUMNS, *_figures(today))
        .join(Site, Site.id == Offering.site_id)
        .outerjoin(Subscription, Subscription.offering_id == Offering.id)
        .group_by(*OFFERING_COLUMNS)
        .order_by(Site.name, Offering.code, Offering.name)
    )
    if site_id is not None:
        query = query.where(Offering.site_id == site_id)
    rows = (await session.execute(query)).all()
    return [
        OccupancyRow(
            **dict(zip(OFFERING_FIELDS, row[: len(OFFERING_FIELDS)], strict=True)),
            active=row.active,
            starting_later=row.later,
            free=max(row.capacity - row.active - row.later, 0),
            pending=row.pending,
            oldest_pending_at=_aware(row.oldest),
            waitlist=row.waitlist,
        )
        for row in rows
    ]


def _aware(moment: datetime | str | None) -> datetime | None:
    """MIN over a CASE loses the column's type on SQLite: read it back as UTC."""
    if moment is None:
        return None
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def billable_ids(
    session: AsyncSession, first: date, offering_ids: list[int]
) -> dict[str, list[str]]:
    """Per offering, the subscriptions that may have an invoice issued this month: approved
    ones not ended before the month began."""
    query = select(Subscription.offering_id, Subscription.id).where(
        Subscription.offering_id.in_(offering_ids),
        Subscription.start_date.is_not(None),
        or_(Subscription.end_date.is_(None), Subscription.end_date >= first),
    )
    groups: dict[str, list[str]] = {str(o): [] for o in offering_ids}
    for offering_id, subscription_id in (await session.execute(query)).all():
        groups[str(offering_id)].append(subscription_id)
    return groups


async def read(
    session: AsyncSession, today: date, site_id: int | None
) -> tuple[list[OccupancyRow], dict[str, list[str]]]:
    """The rows, and per offering the subscriptions payments sums this month's invoices of."""
    rows = await figures(session, today, site_id)
    groups = await billable_ids(session, today.replace(day=1), [r.offering_id for r in rows])
    return rows, groups


def page(rows: list[OccupancyRow], today: date, billed: dict[str, int] | None) -> OccupancyOut:
    """The rows with this month's billed amounts (None each when payments did not answer)."""
    for row in rows:
        row.billed_cents = None if billed is None else billed.get(str(row.offering_id), 0)
    month = today.replace(day=1)
    return OccupancyOut(month=month, today=today, billed_available=billed is not None, rows=rows)
