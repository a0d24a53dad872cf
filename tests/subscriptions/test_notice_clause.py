"""The notice clause at the calendar's edges: a cancellation takes effect on the date asked for,
or `notice_days` after the day it is asked, whichever is later (the clause de préavis)."""

from datetime import date

import pytest

from services.subscriptions.transitions import effective_cancellation


@pytest.mark.parametrize(
    ("asked_on", "effective"),
    [
        (date(2027, 1, 31), date(2027, 3, 2)),  # through a 28-day February
        (date(2028, 1, 31), date(2028, 3, 1)),  # through a 29-day February
        (date(2028, 2, 29), date(2028, 3, 30)),
        (date(2027, 2, 28), date(2027, 3, 30)),
        (date(2027, 12, 31), date(2028, 1, 30)),  # into the next year
        (date(2027, 12, 1), date(2027, 12, 31)),
        (date(2027, 3, 1), date(2027, 3, 31)),  # across spring forward: calendar days
        (date(2027, 10, 20), date(2027, 11, 19)),  # across fall back
    ],
)
def test_asked_for_today_it_takes_effect_after_the_notice(asked_on: date, effective: date) -> None:
    assert effective_cancellation(asked_on, 30, now=asked_on) == effective


def test_a_date_beyond_the_notice_is_kept_and_no_notice_means_the_date_asked() -> None:
    assert effective_cancellation(date(2028, 2, 29), 30, now=date(2027, 12, 31)) == date(
        2028, 2, 29
    )
    assert effective_cancellation(date(2027, 12, 31), 0, now=date(2027, 12, 31)) == date(
        2027, 12, 31
    )
