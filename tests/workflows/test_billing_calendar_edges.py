"""Billing and cancellation at the calendar's edges, each at a pinned instant in Montréal.

The days where a calendar mistake would show: the 1st and the last day of a month, 28 and 29
February, 31 December → 1 January, both daylight-saving changes, and an evening in Montréal that
is already the next day in UTC. Runs on the time-skipping server with the real billing
activities and the real payments service (`billing_support`).
"""

from datetime import date, timedelta

import pytest

from servicekit.money import prorate, prorate_span
from tests.payments.factories import VISA
from tests.workflows.billing_support import (
    MONTHLY,
    Billing,
    first_of_next_month,
    firsts_after,
    on_time,
)
from tests.workflows.fake_subscriptions import cancel_at, decide, sleep_until, start, today
from tests.workflows.helpers import eventually
from workflows.subscription.billing import month_end
from workflows.subscription.calendar import start_of_day

at = pytest.mark.start_at
NOTICE = timedelta(days=30)  # FakeService's notice clause


def pinned(moment: str, *args: int, **kwargs: bool) -> object:
    """A parameter that runs its test at a pinned instant, named `moment`."""
    return pytest.param(moment, marks=at(*args, **kwargs), id=moment)


@pytest.mark.parametrize(
    "moment",
    [
        pinned("the 1st: the whole month", 1, 1),
        pinned("the last day of a 31-day month", 1, 31),
        pinned("28 February of a common year", 2, 28, leap=False),
        pinned("28 February of a leap year", 2, 28, leap=True),
        pinned("29 February", 2, 29),
        pinned("31 December: the next charge in another year", 12, 31),
        pinned("spring forward inside the first month", 3, 1),
        pinned("fall back between the next two charges", 10, 20),
        pinned("31 March 21:30: already 1 April in UTC", 3, 31, 21, 30),
    ],
)
async def test_the_first_period_is_prorated_and_each_month_is_charged_on_its_1st_at_midnight(
    billing: Billing, moment: str
) -> None:
    method = await billing.card(VISA)
    async with billing.worker():
        handle = await start(
            billing.env, billing.service, billing.queue, row=billing.row("pad", method)
        )
        approved_on = await today(billing.env)
        await decide(billing.env, handle, "approve")
        await eventually(lambda: len(billing.recorder.charges) == 1)
        firsts = firsts_after(approved_on, 2)
        await sleep_until(billing.env, start_of_day(firsts[-1]) + timedelta(hours=1))
        await eventually(lambda: len(billing.recorder.charges) == 3)
        await billing.env.client.get_workflow_handle(handle.id).terminate("test over")

    expected = [(approved_on, month_end(approved_on), prorate(MONTHLY, approved_on))]
    expected += [(first, month_end(first), MONTHLY) for first in firsts]
    assert billing.recorder.periods() == expected, moment
    for charged, first in zip(billing.recorder.charges[1:], firsts, strict=True):
        assert on_time(charged.at, start_of_day(first)), moment  # 00:00 in Montréal, DST too


def periods_until(approved_on: date, last_day: date) -> list[tuple[date, date, int]]:
    """What a subscription approved on `approved_on` and ending after `last_day` is charged,
    when `last_day` falls in a later month: the prorated first month, whole months, and the
    month holding the last day prorated to it."""
    found = [(approved_on, month_end(approved_on), prorate(MONTHLY, approved_on))]
    first = first_of_next_month(approved_on)
    while first <= last_day:
        end = min(month_end(first), last_day)
        found.append((first, end, prorate_span(MONTHLY, first, end)))
        first = end + timedelta(days=1)
    return found


@pytest.mark.parametrize(
    "moment",
    [
        pinned("31 January of a common year: ends 2 March", 1, 31, leap=False),
        pinned("31 January of a leap year: ends 1 March", 1, 31, leap=True),
        pinned("29 February", 2, 29),
        pinned("31 December: ends in January", 12, 31),
        pinned("ends after spring forward", 2, 20),
        pinned("ends after fall back", 10, 10),
    ],
)
async def test_a_cancellation_with_the_notice_ends_at_midnight_and_bills_the_last_month_prorated(
    billing: Billing, moment: str
) -> None:
    method = await billing.card(VISA)
    async with billing.worker():
        handle = await start(
            billing.env, billing.service, billing.queue, row=billing.row("pad", method)
        )
        approved_on = await today(billing.env)
        await decide(billing.env, handle, "approve")
        state = await cancel_at(billing.env, handle, approved_on)  # the notice clause moves it
        assert state.cancellation_effective == approved_on + NOTICE
        assert (await handle.result()).status == "ended"

    effective = approved_on + NOTICE
    assert on_time(billing.service.when("end"), start_of_day(effective)), moment
    last_day = effective - timedelta(days=1)
    assert billing.recorder.periods() == periods_until(approved_on, last_day), moment
    assert billing.recorder.credits == []
    assert await billing.balance() == 0
