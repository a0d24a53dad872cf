"""The billing calendar's arithmetic (docs/billing.md): periods, the final period, the credit
of unused days and the retry schedule of a declined invoice."""

from datetime import UTC, date, datetime, timedelta

import pytest

from servicekit.money import prorate, prorate_span
from workflows.subscription.billing import (
    next_attempt,
    period_amount,
    period_end,
    unused_credit,
)


@pytest.mark.parametrize(
    ("start", "last_day", "end"),
    [
        (date(2028, 2, 10), None, date(2028, 2, 29)),  # leap February
        (date(2027, 2, 1), None, date(2027, 2, 28)),
        (date(2028, 12, 1), None, date(2028, 12, 31)),
        (date(2028, 3, 1), date(2028, 3, 9), date(2028, 3, 9)),  # the final period
        (date(2028, 3, 1), date(2028, 5, 9), date(2028, 3, 31)),
    ],
)
def test_a_period_runs_to_its_month_end_or_the_last_day(
    start: date, last_day: date | None, end: date
) -> None:
    assert period_end(start, last_day) == end


def test_a_whole_month_costs_the_monthly_price_and_a_part_is_prorated() -> None:
    assert period_amount(6500, date(2028, 2, 1), date(2028, 2, 29)) == 6500
    assert period_amount(6500, date(2028, 3, 1), date(2028, 3, 9)) == 1887  # 9/31: 1887.1
    assert prorate_span(6500, date(2028, 3, 16), date(2028, 3, 31)) == prorate(
        6500, date(2028, 3, 16)
    )
    with pytest.raises(ValueError):
        prorate_span(6500, date(2028, 3, 16), date(2028, 4, 2))


@pytest.mark.parametrize(
    ("last_day", "credit"),
    [
        (date(2028, 3, 31), 0),  # used to the end
        (date(2028, 3, 10), 4403),  # 21 of 31 days unused: 4403.2
        (date(2028, 2, 29), 6500),  # ended before the period began
        (date(2028, 4, 30), 0),
    ],
)
def test_the_unused_days_of_a_charged_period_are_credited(last_day: date, credit: int) -> None:
    assert unused_credit(6500, date(2028, 3, 1), date(2028, 3, 31), last_day) == credit


def test_a_declined_invoice_is_tried_after_1_3_and_7_days_then_goes_to_arrears() -> None:
    declined = datetime(2028, 3, 1, 5, tzinfo=UTC)
    attempts = [next_attempt(declined, n) for n in (1, 2, 3, 4)]
    assert attempts == [declined + timedelta(days=d) for d in (1, 3, 7)] + [None]
