"""The processor's rate (`PAYMENTS_GATEWAY_RATE_PER_SECOND`): charges reach the gateway at a
bounded pace, and one that would wait too long answers 503 `gateway_busy`, to be tried again."""

import asyncio
import math
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from servicekit.db import make_engine
from services.payments import gateway_pace
from services.payments.gateway_pace import GatewayBusy, GatewayPace
from services.payments.models import Charge, Invoice
from services.payments.sandbox_models import SandboxCharge
from tests.payments.factories import PaymentsStack, add_card, charge_body
from tests.subscriptions.factories import UserFactory

CHARGES = "/internal/v1/charges"


class FakeClock:
    """Time that stands still; each sleeper notes when it would have been let through."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.released: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.released.append(self.now + seconds)


async def test_a_first_of_month_burst_reaches_the_gateway_at_the_configured_rate() -> None:
    clock = FakeClock()
    pace = GatewayPace(10.0, 2.95, clock=clock, sleep=clock.sleep)
    busy = 0
    for _ in range(50):  # 50 charges due at the same instant
        try:
            await pace.turn()
        except GatewayBusy:
            busy += 1
    sent = len(clock.released) + 1  # the first goes at once, without sleeping
    assert sent == 30 and busy == 20  # slots 0.0, 0.1 ... 2.9 s; later ones are refused
    per_second = Counter(math.floor(t - 1000.0) for t in [clock.now, *clock.released])
    assert max(per_second.values()) <= 10
    clock.now += 4.0  # the queue has drained: a refused charge, tried again, goes at once
    waited = len(clock.released)
    await pace.turn()
    assert len(clock.released) == waited


async def test_no_rate_means_no_wait() -> None:
    clock = FakeClock()
    pace = GatewayPace(0.0, 0.0, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        await pace.turn()
    assert clock.released == []


async def test_a_charge_past_the_wait_answers_gateway_busy_then_goes_through_once(
    client: httpx.AsyncClient,
    users: UserFactory,
    payments: PaymentsStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gateway_pace, "_paces", {})
    monkeypatch.setattr(payments.settings, "gateway_rate_per_second", 0.01)  # one per 100 s
    monkeypatch.setattr(payments.settings, "gateway_max_wait_seconds", 0.0)
    user = await users()
    card = await add_card(client, user)
    first, second = charge_body(user, card["id"]), charge_body(user, card["id"])
    paid = await client.post(CHARGES, json=first, headers=payments.internal)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    refused = await client.post(CHARGES, json=second, headers=payments.internal)
    assert refused.status_code == 503, refused.text
    problem = refused.json()
    assert problem["error"] == "gateway_busy"
    assert problem["message"]["fr"].startswith("Le processeur de paiement est occupé")
    assert problem["message"]["en"].startswith("The payment processor is busy")

    monkeypatch.setattr(payments.settings, "gateway_rate_per_second", 0.0)  # the rush is over
    again = await asyncio.gather(
        *(client.post(CHARGES, json=second, headers=payments.internal) for _ in range(3))
    )
    assert [a.status_code for a in again] == [200] * 3
    assert {a.json()["status"] for a in again} == {"paid"}
    key = second["idempotency_key"]
    engine = make_engine(payments.settings.database_url)
    try:
        async with engine.connect() as conn:
            sent = await conn.scalar(
                select(func.count()).where(SandboxCharge.idempotency_key == key)
            )
            rows = await conn.scalar(select(func.count()).where(Charge.idempotency_key == key))
            invoices = await conn.scalar(select(func.count()).where(Invoice.account_id == user.id))
    finally:
        await engine.dispose()
    assert (sent, rows, invoices) == (1, 1, 2)
