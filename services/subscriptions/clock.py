"""Dates a person picks are dates in America/Montreal."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

MONTREAL = ZoneInfo("America/Montreal")


def today() -> date:
    """Today's date in Montréal (not UTC: at 21:00 in Montréal it is already tomorrow in UTC)."""
    return datetime.now(MONTREAL).date()
