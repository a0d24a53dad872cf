"""Money rules from RULES.md: integer cents, prices taxes included, GST and QST backed out."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

GST_RATE = Decimal("5")
QST_RATE = Decimal("9.975")
COMBINED = Decimal("100") + GST_RATE + QST_RATE  # 114.975: both taxes on the pre-tax price


@dataclass(frozen=True)
class TaxBreakdown:
    """A taxes-included price split into its pre-tax part, GST (TPS) and QST (TVQ), in cents."""

    total_cents: int
    pretax_cents: int
    gst_cents: int
    qst_cents: int


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def back_out_taxes(total_cents: int) -> TaxBreakdown:
    """GST = round(P·5/114.975), QST = round(P·9.975/114.975), pre-tax = P − GST − QST."""
    total = Decimal(total_cents)
    gst = _round_half_up(total * GST_RATE / COMBINED)
    qst = _round_half_up(total * QST_RATE / COMBINED)
    return TaxBreakdown(total_cents, total_cents - gst - qst, gst, qst)


def prorate(monthly_cents: int, start: date) -> int:
    """The first period's price: from `start` to the last day of its month, both included.

    Rule: round_half_up(monthly × days_used / days_in_month), where days_used counts `start` and
    the month's last day (a start on the 1st pays the full month, on the last day one day).
    """
    last = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return prorate_span(monthly_cents, start, last)


def prorate_span(monthly_cents: int, first: date, last: date) -> int:
    """The price of the days `first` to `last` (both included) of one month, by the same rule:
    round_half_up(monthly × days / days_in_month); the whole month is exactly the monthly price."""
    if (first.year, first.month) != (last.year, last.month) or last < first:
        raise ValueError("a prorated span lies within one month")
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    days_used = (last - first).days + 1
    return _round_half_up(Decimal(monthly_cents) * days_used / days_in_month)


def format_cents(cents: int, language: str = "fr") -> str:
    """`6500` -> `65,00 $` (French) or `$65.00` (English), by Babel (`servicekit.i18n`)."""
    from servicekit.i18n import format_money  # Babel loads only where money is shown

    return format_money(cents, language)
