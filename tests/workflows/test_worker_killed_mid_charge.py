"""A worker process killed (SIGKILL) while its charge is at the gateway: the charge happens once.

Real parts: the worker is `python -m workflows.worker` in its own process; the payments service
is the session's app served over HTTP by uvicorn, with the sandbox gateway; the server is the
session's Temporal dev server (real time: the test waits out the activity's 30 s timeout; the
time-skipping server never moves a workflow task off a dead worker's sticky queue). The gateway
is wrapped only to hold its answer until the worker is dead (the processor captured the money;
the worker never hears of it) and to count its calls. A second worker process then gets the
activity's retry, with the same idempotency key, and payments answers it with the first charge:
one gateway call, one charge row, one paid invoice.
"""

import asyncio
import dataclasses
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from servicekit.db import make_engine
from servicekit.settings import PlatformSettings
from services.payments.gateway import GatewayCharge, PaymentGateway
from services.payments.models import Charge
from tests.payments.factories import VISA, card_body
from tests.subscriptions.factories import UserFactory
from tests.support.mail import SmtpServer
from tests.workflows.helpers import start_worker_process
from workflows.subscription.billing import month_end
from workflows.subscription.calendar import local_today
from workflows.subscription.models import (
    BillingState,
    CarriedState,
    SubscriptionInput,
    workflow_id,
)
from workflows.subscription.workflows import SubscriptionWorkflow

ROOT = Path(__file__).resolve().parents[2]


class HeldGateway:
    """The real gateway; its answer is held until `release` is set; calls are counted."""

    def __init__(self, real: PaymentGateway) -> None:
        self.real = real
        self.calls = 0
        self.captured = asyncio.Event()
        self.release = asyncio.Event()

    async def redeem(self, single_use_token: str):  # type: ignore[no-untyped-def]
        return await self.real.redeem(single_use_token)

    async def charge(self, token: str, amount_cents: int, idempotency_key: str) -> GatewayCharge:
        self.calls += 1
        answer = await self.real.charge(token, amount_cents, idempotency_key)
        self.captured.set()
        await self.release.wait()
        return answer

    async def charge_customer_present(  # type: ignore[no-untyped-def]
        self, token: str, amount_cents: int, idempotency_key: str, return_url: str | None = None
    ):
        return await self.real.charge_customer_present(
            token, amount_cents, idempotency_key, return_url
        )

    async def refund(self, charge_reference: str, amount_cents: int, idempotency_key: str):  # type: ignore[no-untyped-def]
        return await self.real.refund(charge_reference, amount_cents, idempotency_key)


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app over real HTTP on a free port (its lifespan is already running)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def held_gateway(app: FastAPI) -> AsyncIterator[HeldGateway]:
    parts = app.state.components
    held = HeldGateway(parts.gateway)
    app.state.components = dataclasses.replace(parts, gateway=held)
    try:
        yield held
    finally:
        held.release.set()
        app.state.components = parts


async def charges_with_key(database_url: str, key: str) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(Charge.idempotency_key == key)
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


@pytest.fixture
async def card_holder(
    identity: httpx.AsyncClient, smtp: SmtpServer, worker: object, database_urls: dict[str, str]
):  # type: ignore[no-untyped-def]
    return await UserFactory(identity, smtp, database_urls["identity"])()


@pytest.mark.server_clock  # starts the workflow with our Montréal day as its billing state
async def test_a_worker_killed_while_its_charge_is_at_the_gateway_charges_once(
    temporal_env: WorkflowEnvironment,
    apps: dict[str, FastAPI],
    platform_settings: PlatformSettings,
    database_urls: dict[str, str],
    card_holder,  # type: ignore[no-untyped-def]
) -> None:
    env = temporal_env
    payments_app = apps["payments"]
    transport = httpx.ASGITransport(app=payments_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://payments.test") as api:
        added = await api.post(
            "/v1/payment-methods/card",
            json=(await card_body(api, VISA)),
            headers=card_holder.headers,
        )
        assert added.status_code == 201, added.text
        method_id = added.json()["id"]

    today = local_today(await env.get_current_time())
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    subscription_id = str(uuid.uuid4())
    key = f"{workflow_id(subscription_id)}:charge:{first_of_month.isoformat()}"
    queue = f"killed-mid-charge-{uuid.uuid4()}"
    carried = CarriedState(  # active since last month, this month due now
        status="active",
        start_date=date(last_month_end.year, last_month_end.month, 1),
        billing_mode="pad",
        billing=BillingState(
            account_id=card_holder.id,
            payment_method_id=method_id,
            method_kind="card",
            monthly_cents=6500,
            billed_through=last_month_end,
        ),
    )

    async with held_gateway(payments_app) as gateway, served(payments_app) as payments_url:
        first = await start_worker_process(env, queue, PLATFORM_PAYMENTS_URL=payments_url)
        second = None
        try:
            handle = await env.client.start_workflow(
                SubscriptionWorkflow.run,
                SubscriptionInput(
                    subscription_id=subscription_id,
                    contract_number="10095259",
                    site_id=1534,
                    offering_id=7118,
                    carried_state=carried,
                ),
                id=workflow_id(subscription_id),
                task_queue=queue,
            )
            await asyncio.wait_for(gateway.captured.wait(), timeout=30)
            first.kill()  # SIGKILL: no graceful shutdown, the result is never reported
            await first.wait()
            gateway.release.set()  # the processor's answer reaches payments, not the worker

            second = await start_worker_process(env, queue, PLATFORM_PAYMENTS_URL=payments_url)
            # The server retries the activity once its 30 s start-to-close timeout has passed.
            events = await wait_for_continue_as_new(env, handle.id, handle.result_run_id)
        finally:
            for process in (first, second):
                if process is not None and process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(process.wait(), timeout=40)

    charge_attempts = [
        e
        for e in events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "subscription_charge"
    ]
    assert len(charge_attempts) == 1  # one activity, retried by the server on the second worker
    assert gateway.calls == 1  # the retry was answered from the first charge's row
    assert await charges_with_key(database_urls["payments"], key) == 1
    async with httpx.AsyncClient(transport=transport, base_url="http://payments.test") as api:
        invoices = (await api.get("/v1/invoices", headers=card_holder.headers)).json()
        balance = (await api.get("/v1/balance", headers=card_holder.headers)).json()
    [invoice] = [i for i in invoices if i["subscription_id"] == subscription_id]
    assert (invoice["status"], invoice["total_cents"]) == ("paid", 6500)
    assert invoice["period_end"] == month_end(first_of_month).isoformat()
    assert balance["balance_cents"] == 0
    await env.client.get_workflow_handle(handle.id).terminate("test over")


async def wait_for_continue_as_new(env: WorkflowEnvironment, wid: str, run_id: str | None):  # type: ignore[no-untyped-def]
    """The first run's events once it continued-as-new (its charge completed)."""
    handle = env.client.get_workflow_handle(wid, run_id=run_id)
    for _ in range(600):
        events = list((await handle.fetch_history()).events)
        if events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return events
        await asyncio.sleep(0.1)
    raise AssertionError(f"the charge never completed: {[e.event_type for e in events]}")
