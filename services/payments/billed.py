"""What was billed in a month, summed in the database for groups of subscriptions (the
operators' occupancy page: one group per offering).

Payments knows subscriptions only by id; the caller (the subscriptions service) names the
subscriptions of each group. The sum is one aggregate query: each invoice is labelled with its
group by a CASE over the ids, and the labelled rows are summed with GROUP BY, so no invoice row
is loaded into Python.
"""

from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import start_of_day
from services.payments.models import Invoice


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The instants a Montréal calendar month starts and ends (invoices are stamped in UTC)."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return start_of_day(first), start_of_day(following)


async def billed_totals(
    session: AsyncSession, first: date, groups: dict[str, list[str]]
) -> dict[str, int]:
    """`{group: cents}`: the totals (taxes included) of the invoices issued in the month that
    starts on `first`, per group of subscription ids; a group with none is 0."""
    totals = dict.fromkeys(groups, 0)
    named = [(Invoice.subscription_id.in_(ids), key) for key, ids in groups.items() if ids]
    if not named:
        return totals
    start, end = month_bounds(first)
    labelled = (
        select(case(*named, else_=None).label("grp"), Invoice.total_cents)
        .where(Invoice.created_at >= start, Invoice.created_at < end)
        .subquery()
    )
    query = (
        select(labelled.c.grp, func.sum(labelled.c.total_cents))
        .where(labelled.c.grp.is_not(None))
        .group_by(labelled.c.grp)
    )
    for key, cents in (await session.execute(query)).all():
        totals[str(key)] = int(cents or 0)
    return totals
