"""A deadline as a person in Québec reads it: the Montréal date and hour, in their language
(« 4 mars 2027, 14 h 05 », "March 4, 2027, 2:05 PM")."""

from datetime import datetime

from servicekit.clock import montreal_time
from servicekit.formats import long_date


def deadline_label(moment: datetime | str | None, language: str) -> str | None:
    """`moment` (aware, or its ISO form) in Montréal time; None for None."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = montreal_time(moment)
    if language == "fr":
        hour = f"{local.hour} h {local.minute:02d}"
    else:
        hour = f"{(local.hour % 12) or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    return f"{long_date(local.date(), language)}, {hour}"
