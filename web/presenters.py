"""How the portal shows the services' data: labels of sites, offerings, statuses and phones,
and the small readers of form values the route modules share (no route lives here)."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from servicekit import lifecycle
from web.i18n import pick

E164_NANP = re.compile(r"^\+1(\d{3})(\d{3})(\d{4})$")


def display_phone(value: str) -> str:
    """`+15145551234` as a person writes it: `514 555-1234`."""
    match = E164_NANP.match(value)
    return f"{match[1]} {match[2]}-{match[3]}" if match else value


def parse_date(text: str) -> date | None:
    """A `YYYY-MM-DD` date, or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def as_int(value: object) -> int | None:
    """A form or query value as an id, or None."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def site_label(site: dict[str, Any]) -> str:
    """`CISSS Outaouais - 116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC` (the id is shown apart)."""
    parts = [str(site.get(k)) for k in ("name", "address") if site.get(k)]
    return " - ".join(parts)


def offering_label(offering: dict[str, Any]) -> str:
    """`1461 - Hôpital de Hull - Employé CISSSO (#7117)`."""
    return f"{offering.get('code')} - {offering.get('name')} (#{offering.get('id')})"


def localized(item: dict[str, Any] | None, stem: str, language: str) -> str:
    """`item[stem_fr]` or `item[stem_en]`, French when the other is empty."""
    item = item or {}
    french = str(item.get(f"{stem}_fr") or "")
    return (str(item.get(f"{stem}_en") or "") or french) if language == "en" else french


def status_label(subscription: dict[str, Any], language: str) -> str:
    """The status as the service labels it, else as the portal does."""
    label = subscription.get("status_label")
    if isinstance(label, dict) and label.get("fr"):
        return pick({"fr": str(label["fr"]), "en": str(label.get("en") or "")}, language)
    return lifecycle.status_label(str(subscription.get("status")), language)


CENT = Decimal("0.01")


def parse_amount(text: str) -> int | None:
    """Dollars as typed (`45`, `45,50`, `1 234.56 $`) in cents, or None when not a positive sum."""
    cleaned = re.sub(r"[\s$\u00a0]", "", text).replace(",", ".")
    try:
        amount = Decimal(cleaned)
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
            return None
    except InvalidOperation:
        return None
    return int(amount * 100)
