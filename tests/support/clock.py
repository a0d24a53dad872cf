"""The instant a time-skipping test starts at, so that no verdict depends on the day it runs.

The time-skipping server starts at the real time and can only move forward, so an instant is
pinned by its calendar position (month, day, time of day in Montréal) in a year that is always
ahead: the next year, or the next leap year for 29 February. Weekdays differ from year to year;
nothing in billing or cancellation depends on them.

- `@pytest.mark.start_at(month, day, hour=10, minute=0, leap=None)` pins a test's instant.
- Otherwise the test starts at `TEST_START_DATE` (`YYYY-MM-DD`, 10:00 in Montréal) when it is
  set, which is how the suite is run at other dates (`make test-dates`), and at `DEFAULT_START`
  when it is not.
"""

import calendar
import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

MONTREAL = ZoneInfo("America/Montreal")
START_DATE_VARIABLE = "TEST_START_DATE"
# An ordinary day: mid-month, mid-week in most years, far from both daylight-saving changes.
DEFAULT_START = (6, 10, 10, 0)


def ahead(
    month: int, day: int, hour: int = 10, minute: int = 0, leap: bool | None = None
) -> datetime:
    """`day`/`month` at `hour:minute` in Montréal, in the first fitting year after this one:
    one that has that day (29 February: a leap year) and, when `leap` is given, is or is not a
    leap year."""
    year = datetime.now(MONTREAL).year + 1
    while day > calendar.monthrange(year, month)[1] or leap not in (None, calendar.isleap(year)):
        year += 1
    return datetime.combine(date(year, month, day), time(hour, minute), tzinfo=MONTREAL)


def chosen_start() -> datetime:
    """The suite's start instant: `TEST_START_DATE` at 10:00 in Montréal, else the default."""
    value = os.environ.get(START_DATE_VARIABLE)
    if not value:
        return ahead(*DEFAULT_START)
    instant = datetime.combine(date.fromisoformat(value), time(10), tzinfo=MONTREAL)
    if instant <= datetime.now(MONTREAL):
        raise pytest.UsageError(f"{START_DATE_VARIABLE}={value} is not in the future")
    return instant


def start_instant(node: pytest.Item) -> datetime:
    """The instant a test asked for with `start_at`, else the suite's."""
    marker = node.get_closest_marker("start_at")
    return ahead(*marker.args, **marker.kwargs) if marker else chosen_start()
