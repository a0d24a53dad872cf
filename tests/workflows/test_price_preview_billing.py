"""The « Récapitulatif » price preview against what the billing loop actually charges.

For one start date, the subscriptions service's preview endpoint (`GET /v1/offerings/{id}/
price-preview`) is asked first; then the real `SubscriptionWorkflow` is approved on the
time-skipping server and bills through the real payments service (sandbox gateway), and the
invoices it writes (period, total, GST, QST) and the instants it charged at must be the
preview's figures: the first charge at approval, the next one on the 1st named by the preview.
"""

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.subscriptions import seed
from tests.payments.factories import VISA
from tests.workflows.billing_support import Billing, on_time
from tests.workflows.fake_subscriptions import Row, decide, sleep_until, start, today
from tests.workflows.helpers import eventually
from workflows.subscription.calendar import start_of_day

GATINEAU_DOCTORS = 7202  # seed: 90,00 $ a month, pre-authorized payment (card or bank)
HULL_PAYROLL = 7117  # seed: 65,00 $ a month, payroll deduction (DAS)


@pytest.fixture
async def subscriptions(
    apps: dict[str, FastAPI], database_urls: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    await seed.main(database_urls["subscriptions"])
    transport = httpx.ASGITransport(app=apps["subscriptions"])
    async with httpx.AsyncClient(transport=transport, base_url="http://subscriptions.test") as c:
        yield c


async def preview_of(
    subscriptions: httpx.AsyncClient, billing: Billing, offering_id: int, start_day: date
) -> dict[str, Any]:
    response = await subscriptions.get(
        f"/v1/offerings/{offering_id}/price-preview",
        params={"start": start_day.isoformat()},
        headers=billing.user.headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def invoiced(invoice: dict[str, Any]) -> dict[str, Any]:
    keys = ("period_start", "period_end", "total_cents", "pretax_cents", "gst_cents", "qst_cents")
    return {k: invoice[k] for k in keys}


def previewed(charge: dict[str, Any]) -> dict[str, Any]:
    return invoiced(charge)


async def bill_two_periods(
    billing: Billing, row: Row, preview: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[datetime], datetime]:
    """Approve today, let the first charge and the next 1st's charge happen; the invoices in
    period order, the instants each charge was made and the approval's instant."""
    async with billing.worker():
        handle = await start(billing.env, billing.service, billing.queue, row=row)
        approved_at = await billing.env.get_current_time()
        await decide(billing.env, handle, "approve")
        await eventually(lambda: len(billing.recorder.charges) == 1)
        next_on = date.fromisoformat(preview["next_charge"]["charged_on"])
        await sleep_until(billing.env, start_of_day(next_on) + timedelta(hours=1))
        await eventually(lambda: len(billing.recorder.charges) == 2)
    invoices = sorted(await billing.invoices(), key=lambda i: str(i["period_start"]))
    return invoices, [c.at for c in billing.recorder.charges], approved_at


async def assert_billing_matches(
    billing: Billing, subscriptions: httpx.AsyncClient, offering_id: int, mode: str, day: date
) -> dict[str, Any]:
    preview = await preview_of(subscriptions, billing, offering_id, day)
    method = await billing.card(VISA) if mode == "pad" else None
    row = Row(
        billing_mode=mode,
        requested_start=day,
        account_id=billing.user.id,
        payment_method_id=method,
        monthly_price_cents=preview["monthly_price_cents"],
    )
    invoices, charged_at, approved_at = await bill_two_periods(billing, row, preview)

    assert [invoiced(i) for i in invoices] == [
        previewed(preview["first_charge"]),
        previewed(preview["next_charge"]),
    ]
    # The first charge is taken at approval, the next one on the 1st the preview names.
    assert timedelta(0) <= charged_at[0] - approved_at < timedelta(minutes=1)
    assert preview["first_charge"]["charged_on"] == preview["approved_on"]
    next_on = date.fromisoformat(preview["next_charge"]["charged_on"])
    assert on_time(charged_at[1], start_of_day(next_on))
    return preview


@pytest.mark.start_at(3, 3)
async def test_a_mid_month_card_start_is_billed_as_previewed(
    billing: Billing, subscriptions: httpx.AsyncClient
) -> None:
    day = (await today(billing.env)).replace(day=17)
    preview = await assert_billing_matches(billing, subscriptions, GATINEAU_DOCTORS, "pad", day)
    first = preview["first_charge"]
    # 17 to 31 March: 15 of 31 days of 90,00 $, rounded half up; taxes backed out of it.
    assert (first["total_cents"], first["gst_cents"], first["qst_cents"]) == (4355, 189, 378)
    assert first["prorated"] is True and first["period_end"] == day.replace(day=31).isoformat()
    assert preview["next_charge"]["total_cents"] == 9000
    assert preview["next_charge"]["charged_on"] == day.replace(month=4, day=1).isoformat()


@pytest.mark.start_at(3, 20)
async def test_a_start_on_the_1st_is_a_full_month_billed_as_previewed(
    billing: Billing, subscriptions: httpx.AsyncClient
) -> None:
    day = (await today(billing.env)).replace(month=4, day=1)
    preview = await assert_billing_matches(billing, subscriptions, GATINEAU_DOCTORS, "pad", day)
    first = preview["first_charge"]
    assert (first["total_cents"], first["prorated"]) == (9000, False)
    assert (first["gst_cents"], first["qst_cents"], first["pretax_cents"]) == (391, 781, 7828)
    assert preview["next_charge"]["period_start"] == day.replace(month=5).isoformat()


@pytest.mark.start_at(3, 3)
async def test_a_payroll_deduction_is_recorded_as_previewed(
    billing: Billing, subscriptions: httpx.AsyncClient
) -> None:
    day = (await today(billing.env)).replace(day=10)
    preview = await assert_billing_matches(billing, subscriptions, HULL_PAYROLL, "payroll", day)
    assert preview["billing_mode"] == "payroll"
    assert preview["first_charge"]["bank_debit_on"] is None
    # 10 to 31 March: 22 of 31 days of 65,00 $.
    assert preview["first_charge"]["total_cents"] == 4613
    assert {c.result.status for c in billing.recorder.charges} == {"recorded"}
