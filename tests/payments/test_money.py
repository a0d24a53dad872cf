"""Taxes backed out of TTC prices, and the first period's proration (servicekit.money)."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from servicekit.money import back_out_taxes, prorate


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_back_out_taxes_is_exact_for_every_cent_from_1_to_100000() -> None:
    for total in range(1, 100_001):
        taxes = back_out_taxes(total)
        p = Decimal(total)
        gst = _half_up(p * Decimal(5) / Decimal("114.975"))
        qst = _half_up(p * Decimal("9.975") / Decimal("114.975"))
        assert (taxes.gst_cents, taxes.qst_cents) == (gst, qst), total
        assert taxes.pretax_cents == total - gst - qst, total
        assert taxes.pretax_cents + taxes.gst_cents + taxes.qst_cents == total, total
        assert taxes.pretax_cents >= 0


@pytest.mark.parametrize(
    ("total", "pretax", "gst", "qst"),
    [
        # 65,00 $: 6500·5/114.975 = 282.67 -> 283; 6500·9.975/114.975 = 563.95 -> 564
        (6500, 5653, 283, 564),
        # 114,98 $: 11498·5/114.975 = 500.02 -> 500; ·9.975 -> 997.53 -> 998
        (11498, 10000, 500, 998),
        # 1 cent: 0.043 -> 0, 0.087 -> 0
        (1, 1, 0, 0),
        # 23 cents: 23·5/114.975 = 1.0002 -> 1; 23·9.975/114.975 = 1.9955 -> 2
        (23, 20, 1, 2),
        # 1000,00 $: 4348.77 -> 4349; 8675.80 -> 8676
        (100_000, 86_975, 4349, 8676),
    ],
)
def test_back_out_taxes_hand_computed(total: int, pretax: int, gst: int, qst: int) -> None:
    taxes = back_out_taxes(total)
    assert (taxes.pretax_cents, taxes.gst_cents, taxes.qst_cents) == (pretax, gst, qst)


def test_back_out_taxes_near_half_a_cent() -> None:
    # GST = P·200/4599 and QST = P·133/1533: odd denominators, so neither is ever exactly half
    # a cent; the values just under or over a half must still round to the nearest cent.
    assert back_out_taxes(2288).gst_cents == 99  # 99.49989 -> 99
    assert back_out_taxes(2299).gst_cents == 100  # 99.978 -> 100
    assert back_out_taxes(2299).qst_cents == 199  # 199.46 -> 199
    assert back_out_taxes(2288).qst_cents == 199  # 198.502 -> 199


@pytest.mark.parametrize(
    ("monthly", "start", "expected"),
    [
        (6500, date(2028, 3, 1), 6500),  # a start on the 1st pays the full month
        (6500, date(2028, 3, 31), 210),  # the last day: 1/31 of 65,00 $ = 2.097 -> 2,10 $
        (6500, date(2028, 3, 16), 3355),  # 16 days of 31: 3354.8 -> 3355
        (6500, date(2028, 2, 29), 224),  # leap year: 1/29 -> 224.1 -> 224
        (6500, date(2028, 2, 15), 3362),  # 15 of 29: 3362.07 -> 3362
        (6500, date(2027, 2, 28), 232),  # 1/28: 232.14 -> 232
        (6500, date(2027, 2, 15), 3250),  # 14 of 28: exactly half
        (6500, date(2028, 4, 30), 217),  # 30-day month, last day: 216.67 -> 217
        (6500, date(2028, 4, 1), 6500),
        (6500, date(2028, 12, 31), 210),  # the year's last day
        (3100, date(2028, 1, 31), 100),
        (1, date(2028, 1, 16), 1),  # 16/31 of a cent: 0.516 -> 1
        (1, date(2028, 1, 17), 0),  # 15/31: 0.48 -> 0
        (62, date(2028, 1, 16), 32),  # 62·16/31 = 32 exactly
        (31, date(2028, 2, 15), 16),  # 31·15/29 = 16.03 -> 16
        (58, date(2028, 2, 15), 30),  # 58·15/29 = 30 exactly
        (29, date(2027, 2, 15), 15),  # 29·14/28 = 14.5 -> 15 (half up)
    ],
)
def test_prorate(monthly: int, start: date, expected: int) -> None:
    assert prorate(monthly, start) == expected


def test_prorate_every_day_of_a_leap_year_matches_the_rule() -> None:
    day = date(2028, 1, 1)
    while day.year == 2028:
        days = calendar.monthrange(day.year, day.month)[1]
        used = days - day.day + 1
        expected = _half_up(Decimal(12345) * used / days)
        assert prorate(12345, day) == expected, day
        assert 0 < prorate(12345, day) <= 12345
        day = date.fromordinal(day.toordinal() + 1)
