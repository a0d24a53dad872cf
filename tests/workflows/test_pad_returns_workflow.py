"""A returned PAD debit, end to end on the time-skipping server: the real payments service
exports the day's CPA-005 file, the bank's returns file built from it is imported through the
operators' API, the import signals the subscription's workflow, and the workflow follows the
declined-card path (retries, arrears) with the return's email. Importing the file twice sends
one email and reverses one payment."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client

from servicekit.settings import PlatformSettings
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.config import PaymentsSettings
from tests.payments.factories import PDF, pad_form
from tests.payments.returns_files import debit_segments, returned, returns_file
from tests.subscriptions.factories import User, UserFactory
from tests.support.mail import SmtpServer
from tests.workflows.billing_support import Billing
from tests.workflows.fake_subscriptions import Handle, cancel_at, decide, sleep_until, start, today
from tests.workflows.helpers import eventually
from workflows.subscription.calendar import local_today, start_of_day
from workflows.subscription.models import PaymentMethodUpdated
from workflows.subscription.workflows import SubscriptionWorkflow


@pytest.fixture
def signals_to_test_server(apps: dict[str, FastAPI], billing: Billing) -> Iterator[None]:
    """The payments app tells the workflows on this test's time-skipping server."""
    state = apps["payments"].state
    before = state.receipts
    state.receipts = ReceiptLifecycle(billing.env.client, billing.queue)
    yield
    state.receipts = before


@pytest.fixture
async def operator(
    identity: httpx.AsyncClient, smtp: SmtpServer, database_urls: dict[str, str]
) -> User:
    return await UserFactory(identity, smtp, database_urls["identity"])(role="operator")


async def _first_debit(billing: Billing) -> tuple[Handle, dict[str, object]]:
    """A PAD subscription approved, pre-notified and debited once; that debit's invoice."""
    method = await billing.bank_account()
    service = billing.service
    handle = await start(billing.env, service, billing.queue, row=billing.row("pad", method))
    await decide(billing.env, handle, "approve")
    await eventually(lambda: "pad_prenotification" in service.emails())
    [notice] = [e for e in service.named("email") if e.kind == "pad_prenotification"]
    await sleep_until(billing.env, start_of_day(notice.debit_date) + timedelta(hours=1))
    await eventually(lambda: len(billing.recorder.charges) == 1)
    [invoice] = await billing.invoices()
    assert invoice["status"] == "paid"
    return handle, invoice


async def _returns_file(
    billing: Billing, platform: PlatformSettings, number: str, code: str
) -> str:
    """Today's debit file (the charge was completed on the real clock), and the bank sending
    back this invoice's debit with `code`."""
    day = local_today(datetime.now(UTC))
    answer = await billing.payments.post(
        "/internal/v1/exports/cpa005",
        json={"day": day.isoformat()},
        headers={"X-Service-Token": platform.service_token},
    )
    assert answer.status_code == 200, answer.text
    with open(answer.json()["path"], "rb") as exported:
        debits = exported.read().decode("ascii")
    [segment] = [s for s in debit_segments(debits) if s[150:169].strip() == number]
    header = debits.split("\r\n", 1)[0]
    return returns_file(header, [returned(segment, code, "0" * 21 + "7")])


async def _import(billing: Billing, operator: User, text: str) -> dict[str, object]:
    files = {"file": ("retours.txt", text.encode("ascii"), "text/plain")}
    answer = await billing.payments.post(
        "/v1/operator/pad-returns", files=files, headers=operator.headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.usefixtures("signals_to_test_server")
async def test_an_nsf_return_is_retried_like_a_declined_card_and_imported_once(
    billing: Billing, operator: User, platform_settings: PlatformSettings
) -> None:
    service = billing.service
    async with billing.worker():
        handle, invoice = await _first_debit(billing)
        text = await _returns_file(billing, platform_settings, str(invoice["number"]), "901")
        returned_on = await today(billing.env)
        returned_at = await billing.env.get_current_time()

        assert (await _import(billing, operator, text))["duplicate"] is False
        await eventually(lambda: "pad_debit_returned" in service.emails())
        assert await billing.balance() == invoice["total_cents"]
        assert (await _import(billing, operator, text))["duplicate"] is True
        assert await billing.balance() == invoice["total_cents"]

        # The retry the next day debits the account again: the invoice is paid again.
        await sleep_until(billing.env, returned_at + timedelta(days=1, hours=1))
        await eventually(lambda: len(billing.recorder.charges) == 2)
        retry = billing.recorder.charges[1]
        assert (retry.input.invoice_id, retry.result.status) == (invoice["id"], "paid")
        assert await billing.balance() == 0
        [again] = await billing.invoices()
        assert again["status"] == "paid"
        await cancel_at(billing.env, billing.latest(handle), await today(billing.env))
        await handle.result()

    [email] = [e for e in service.named("email") if e.kind == "pad_debit_returned"]
    assert (email.return_reason, email.new_details_needed) == ("901", False)
    assert email.amount_cents == invoice["total_cents"]
    assert email.next_attempt == returned_on + timedelta(days=1)
    assert "payment_declined" not in service.emails()


@pytest.mark.usefixtures("signals_to_test_server")
async def test_a_closed_account_is_not_debited_again_and_falls_into_arrears(
    billing: Billing, operator: User, platform_settings: PlatformSettings
) -> None:
    service = billing.service
    async with billing.worker():
        handle, invoice = await _first_debit(billing)
        text = await _returns_file(billing, platform_settings, str(invoice["number"]), "905")
        returned_at = await billing.env.get_current_time()
        await _import(billing, operator, text)
        await eventually(lambda: "pad_debit_returned" in service.emails())

        # The retry dates pass without a new debit; after the last one: arrears.
        await sleep_until(billing.env, returned_at + timedelta(days=7, hours=1))
        await eventually(lambda: "subscription_in_arrears" in service.emails())
        state = await billing.latest(handle).query(SubscriptionWorkflow.status)
        assert state.status == "in_arrears"
        retries = [c for c in billing.recorder.charges if c.input.invoice_id == invoice["id"]]
        assert retries == []
        # A monthly debit that fell due meanwhile is refused by payments, never sent to the bank.
        later = [c for c in billing.recorder.charges[1:] if c.input.invoice_id is None]
        assert all(c.result.decline_code == "bank_details_refused" for c in later)
        assert await billing.balance() >= invoice["total_cents"]
        refused = await billing.payments.get(
            "/v1/pad-returns/bank-details-refused", headers=billing.user.headers
        )
        assert [r["reason_code"] for r in refused.json()] == ["905"]

        # New banking details: what is owed is debited from the new account at once.
        method_id = refused.json()[0]["payment_method_id"]
        replaced = await billing.payments.put(
            f"/v1/payment-methods/{method_id}/pad",
            headers=billing.user.headers,
            data=pad_form() | {"account": "7654321098"},
            files={"specimen": ("cheque.pdf", PDF, "application/pdf")},
        )
        assert replaced.status_code == 200, replaced.text
        await billing.latest(handle).signal(
            SubscriptionWorkflow.payment_method_updated,
            PaymentMethodUpdated(account_id=billing.user.id),
        )
        await eventually(lambda: "subscription_recovered" in service.emails())
        assert await billing.balance() == 0
        retry = [c for c in billing.recorder.charges if c.input.invoice_id == invoice["id"]]
        assert [c.result.status for c in retry] == ["paid"]
        await cancel_at(billing.env, billing.latest(handle), await today(billing.env))
        await handle.result()

    [email] = [e for e in service.named("email") if e.kind == "pad_debit_returned"]
    assert (email.return_reason, email.new_details_needed, email.next_attempt) == (
        "905",
        True,
        None,
    )
    assert "payment_declined" not in service.emails()


async def _unreachable() -> Client:
    raise RuntimeError("Temporal is away")


@pytest.mark.usefixtures("signals_to_test_server")  # which puts the app's client back after
async def test_a_return_imported_while_temporal_is_away_is_told_by_the_next_pickup(
    billing: Billing,
    operator: User,
    platform_settings: PlatformSettings,
    apps: dict[str, FastAPI],
    payments_settings: PaymentsSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service, state = billing.service, apps["payments"].state
    monkeypatch.setattr(payments_settings, "pad_returns_dir", str(tmp_path / "returns"))
    state.receipts = ReceiptLifecycle(_unreachable, billing.queue)
    async with billing.worker():
        handle, invoice = await _first_debit(billing)
        text = await _returns_file(billing, platform_settings, str(invoice["number"]), "901")
        imported = await _import(billing, operator, text)  # the money side stands
        assert imported["duplicate"] is False
        assert await billing.balance() == invoice["total_cents"]
        await billing.env.sleep(timedelta(hours=2))
        await billing.latest(handle).query(SubscriptionWorkflow.status)
        assert "pad_debit_returned" not in service.emails()

        state.receipts = ReceiptLifecycle(billing.env.client, billing.queue)
        internal = {"X-Service-Token": platform_settings.service_token}
        picked = await billing.payments.post("/internal/v1/pad-returns/pickup", headers=internal)
        assert picked.status_code == 200 and picked.json()["told"] >= 1
        await eventually(lambda: "pad_debit_returned" in service.emails())
        again = await billing.payments.post("/internal/v1/pad-returns/pickup", headers=internal)
        assert again.json()["told"] == 0  # told once, marked
        await cancel_at(billing.env, billing.latest(handle), await today(billing.env))
        await handle.result()

    assert len([e for e in service.named("email") if e.kind == "pad_debit_returned"]) == 1
