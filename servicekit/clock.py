"""The platform's one clock for Québec: dates a person picks are dates in America/Montreal.

Timestamps are stored in UTC; a date shown or chosen (a start date, a debit date, a receipt's
"paid on") is read in Montréal's time zone. Workflow code passes `workflow.now()` to
`montreal_date` instead of reading this process's clock.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

MONTREAL = ZoneInfo("America/Montreal")


def today() -> date:
    """Today's date in Montréal (not UTC: at 21:00 in Montréal it is already tomorrow in UTC)."""
    return datetime.now(MONTREAL).date()


def montreal_date(moment: datetime) -> date:
    """The Montréal date of an instant."""
    return moment.astimezone(MONTREAL).date()


def montreal_time(moment: datetime) -> datetime:
    """An instant on Montréal's wall clock."""
    return moment.astimezone(MONTREAL)


def start_of_day(day: date) -> datetime:
    """Midnight in Montréal on `day`."""
    return datetime.combine(day, time(0), tzinfo=MONTREAL)
