"""The occupancy page as a CSV file for a spreadsheet: UTF-8 with a byte-order mark (Excel
then reads the accents right), CR LF line ends, one header row in French then English
(« Capacité / Capacity »), one row per offering. Amounts are integer cents (as the payroll
export writes them); a text cell a spreadsheet would run as a formula is quoted with an
apostrophe first (OWASP, CSV injection)."""

import csv
import io
from datetime import datetime
from typing import Any

HEADERS = (
    "Établissement / Establishment",
    "No du stationnement / Site no.",
    "Stationnement / Site",
    "No de l'offre / Offering no.",
    "Code / Code",
    "Offre / Offering",
    "Capacité / Capacity",
    "Actifs / Active",
    "Approuvés, début plus tard / Approved, starting later",
    "Places libres / Free spaces",
    "Demandes en attente / Pending requests",
    "Plus ancienne demande, âge en heures / Oldest request, age in hours",
    "Liste d'attente / Waitlist",
    "Facturé ce mois, TTC, en cents / Billed this month, taxes incl., in cents",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def age_hours(oldest: str | None, now: datetime) -> str:
    """Whole hours since the oldest request was submitted, or empty when none waits."""
    if not oldest:
        return ""
    return str(int((now - datetime.fromisoformat(oldest)).total_seconds() // 3600))


def occupancy_csv(rows: list[dict[str, Any]], now: datetime) -> bytes:
    """The file's bytes (BOM first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow(
            (
                _text(r["establishment"]),
                r["site_id"],
                _text(r["site_name"]),
                r["offering_id"],
                _text(r["offering_code"]),
                _text(r["offering_name"]),
                r["capacity"],
                r["active"],
                r["starting_later"],
                r["free"],
                r["pending"],
                age_hours(r.get("oldest_pending_at"), now),
                r.get("waitlist", 0),
                "" if r.get("billed_cents") is None else r["billed_cents"],
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
