"""The billing harness of the time-skipping tests: the real billing activities against the real
payments service (in-process, real database, sandbox gateway), recorded call by call, with the
subscriptions side played by `FakeService`; and the calendar helpers the assertions use.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.payments.factories import PDF, card_body, pad_form
from tests.subscriptions.factories import User
from tests.workflows.fake_subscriptions import FakeService, Handle, Row
from tests.workflows.helpers import running_worker as shared_worker
from workflows.subscription.billing import month_end
from workflows.subscription.billing_activities import BillingActivities
from workflows.subscription.models import ChargeInput, ChargeResult, CreditInput
from workflows.subscription.workflows import SubscriptionWorkflow

MONTHLY = 6500


@dataclass
class Charged:
    at: datetime  # the server's clock when the attempt was scheduled
    input: ChargeInput
    result: ChargeResult


@dataclass
class RecordingBilling:
    """The real billing activities, recording each call; `crash_after_charge` keys fail their
    first attempt after the payments service has charged."""

    real: BillingActivities
    charges: list[Charged] = field(default_factory=list)
    credits: list[CreditInput] = field(default_factory=list)
    crash_after_charge: set[str] = field(default_factory=set)
    refuse: bool = False  # answer every charge as payments answers a defect (non-retryable)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="subscription_charge")
        async def charge(input: ChargeInput) -> ChargeResult:
            if self.refuse:
                raise ApplicationError(
                    "payments answered HTTP 409", type="charge_mismatch", non_retryable=True
                )
            result = await self.real.charge(input)
            info = activity.info()
            self.charges.append(Charged(info.current_attempt_scheduled_time, input, result))
            if input.idempotency_key in self.crash_after_charge and info.attempt == 1:
                raise RuntimeError("the worker died before reporting the charge")
            return result

        @activity.defn(name="subscription_credit")
        async def credit(input: CreditInput) -> None:
            await self.real.credit(input)
            self.credits.append(input)

        return [charge, credit, self.real.payment_method]

    def periods(self) -> list[tuple[date, date, int]]:
        first_calls = [c for c in self.charges if c.input.invoice_id is None]
        return [
            (c.input.period_start, c.input.period_end, c.input.amount_cents) for c in first_calls
        ]


@dataclass
class Billing:
    """A user with real tokens, the payments app, and a worker factory for one test."""

    env: WorkflowEnvironment
    payments: httpx.AsyncClient
    recorder: RecordingBilling
    service: FakeService
    queue: str
    user: User

    async def card(self, number: str) -> str:
        response = await self.payments.post(
            "/v1/payment-methods/card",
            headers=self.user.headers,
            json=(await card_body(self.payments, number)),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def bank_account(self) -> str:
        response = await self.payments.post(
            "/v1/payment-methods/pad",
            headers=self.user.headers,
            data=pad_form(),
            files={"specimen": ("cheque.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def balance(self) -> int:
        response = await self.payments.get("/v1/balance", headers=self.user.headers)
        assert response.status_code == 200, response.text
        return int(response.json()["balance_cents"])

    async def invoices(self) -> list[dict[str, Any]]:
        response = await self.payments.get("/v1/invoices", headers=self.user.headers)
        assert response.status_code == 200, response.text
        return [i for i in response.json() if i["subscription_id"] in self.service.rows]

    def row(self, mode: str, method: str | None) -> Row:
        return Row(
            billing_mode=mode,
            account_id=self.user.id,
            payment_method_id=method,
            monthly_price_cents=MONTHLY,
        )

    @asynccontextmanager
    async def worker(self) -> AsyncIterator[Worker]:
        activities = self.service.activities() + self.recorder.activities()
        async with shared_worker(self.env, activities, self.queue) as worker:
            yield worker

    def latest(self, handle: Handle) -> Handle:
        """The handle of the current run (continue-as-new starts new ones)."""
        return self.env.client.get_workflow_handle_for(SubscriptionWorkflow.run, handle.id)


def on_time(at: datetime, instant: datetime) -> bool:
    """At `instant`, to the timer's precision (never before it)."""
    return timedelta(0) <= at - instant < timedelta(minutes=1)


def first_of_next_month(day: date) -> date:
    return month_end(day) + timedelta(days=1)


def firsts_after(day: date, count: int) -> list[date]:
    found, current = [], day
    for _ in range(count):
        current = first_of_next_month(current)
        found.append(current)
    return found


async def history_events(handle: Handle, run_id: str | None) -> list[Any]:
    history = await handle._client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
    return list(history.events)
