"""The billing calendar's arithmetic (docs/billing.md): periods, amounts, retry dates.

Pure functions of dates and cents, so the workflow can call them (they are deterministic) and
tests can check them directly.
"""

import calendar
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from servicekit.money import prorate_span

# A declined charge is tried again this many days after its first decline (4 attempts in all).
RETRY_AFTER_DAYS = (1, 3, 7)
# In arrears, what is owed is tried again this often (and whenever the card is updated).
ARREARS_RETRY_DAYS = 7
# Payments Canada Rule H1: a pre-notification at least this many calendar days before a debit.
PAD_NOTICE_DAYS = 10


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def first_period_start(requested: date, approved_on: date) -> date:
    """A subscription starts on the day asked for, or on its approval day when that is later."""
    return max(requested, approved_on)


def period_end(start: date, last_day: date | None) -> date:
    """A period runs to the end of its month, or to the subscription's last day if sooner."""
    end = month_end(start)
    return min(end, last_day) if last_day is not None else end


def period_amount(monthly_cents: int, start: date, end: date) -> int:
    """A full month is the monthly price; a part of a month is prorated by days."""
    return prorate_span(monthly_cents, start, end)


def pad_debit_day(start: date, notified_on: date) -> date:
    """The debit day of a PAD period starting `start` whose notice goes out `notified_on`:
    at least `PAD_NOTICE_DAYS` after the notice, never before the period begins."""
    return max(start, notified_on + timedelta(days=PAD_NOTICE_DAYS))


def next_attempt(first_declined_at: datetime, declines: int) -> datetime | None:
    """When to try a declined invoice again after its `declines`-th decline; None: arrears."""
    if declines <= len(RETRY_AFTER_DAYS):
        return first_declined_at + timedelta(days=RETRY_AFTER_DAYS[declines - 1])
    return None


def arrears_retry(now: datetime) -> datetime:
    return now + timedelta(days=ARREARS_RETRY_DAYS)


def unused_credit(charged: int, start: date, end: date, last_day: date) -> int:
    """What a charged period `start`-`end` gives back when the subscription's last day is
    `last_day`: round_half_up(charged × unused days / the period's days)."""
    if last_day >= end:
        return 0
    if last_day < start:
        return charged
    unused, days = (end - last_day).days, (end - start).days + 1
    return int((Decimal(charged) * unused / days).quantize(Decimal(1), rounding=ROUND_HALF_UP))
