"""Dates as people pick them (America/Montreal) and the instants the workflow waits for.

The time zone is loaded when this module is imported, which the workflow does through
`imports_passed_through`: the tz file is read once, outside the sandbox, and the workflow only
does arithmetic with the loaded object (no I/O, deterministic on replay).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

MONTREAL = ZoneInfo("America/Montreal")


def local_today(now: datetime) -> date:
    """The calendar day in Montréal at the aware instant `now` (e.g. `workflow.now()`)."""
    return now.astimezone(MONTREAL).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Montréal, as an aware datetime (DST-correct)."""
    return datetime.combine(day, time(0), tzinfo=MONTREAL)
