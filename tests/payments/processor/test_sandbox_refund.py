"""The embedded sandbox refunds too: a credit paid back to a sandbox card, once per key."""

import uuid

import httpx
from sqlalchemy import select

from servicekit.db import transaction
from services.payments.gateway import GatewayRefused
from services.payments.models import Charge
from services.payments.sandbox_gateway import SandboxGateway
from services.payments.sandbox_models import SandboxRefund
from tests.payments.factories import PaymentsStack, add_card, balance, charge, charge_body
from tests.subscriptions.factories import UserFactory


async def test_the_sandbox_pays_a_credit_back_to_the_card_once(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user, operator = await users(), await users(role="operator")
    card = await add_card(client, user)
    assert (await charge(client, payments, charge_body(user, card["id"], 6500)))["status"] == "paid"
    credit = {
        "idempotency_key": f"subscription-{uuid.uuid4().hex}:credit:final",
        "account_id": user.id,
        "subscription_id": str(uuid.uuid4()),
        "amount_cents": 1500,
        "reason": "Jours non utilisés / Unused days",
    }
    assert (
        await client.post("/internal/v1/credits", json=credit, headers=payments.internal)
    ).status_code == 201
    url = f"/v1/operator/accounts/{user.id}/refunds"
    body = {"amount_cents": 1500, "reason": "Crédit remboursé", "idempotency_key": uuid.uuid4().hex}
    first = await client.post(url, json=body, headers=operator.headers)
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["balance_cents"]) == ("succeeded", 0)
    again = await client.post(url, json=body, headers=operator.headers)
    assert again.json() == first.json()
    nothing_left = await client.post(
        url, json=body | {"idempotency_key": uuid.uuid4().hex}, headers=operator.headers
    )
    assert (
        nothing_left.status_code == 409 and nothing_left.json()["error"] == "refund_exceeds_credit"
    )
    assert await balance(client, user) == 0
    paid_back = await _sandbox_refunds(payments, first.json()["gateway_reference"])
    assert [(r.amount_cents, r.idempotency_key) for r in paid_back] == [
        (1500, body["idempotency_key"])
    ]


async def test_the_sandbox_records_each_refund_once_and_never_beyond_the_charge(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card = await add_card(client, user)
    body = charge_body(user, card["id"], 3000)
    assert (await charge(client, payments, body))["status"] == "paid"
    reference = await _charge_reference(payments, body["idempotency_key"])
    gateway = SandboxGateway(payments.app.state.sessionmaker)
    first = await gateway.refund(reference, 2000, "refund-a")
    assert await gateway.refund(reference, 2000, "refund-a") == first
    try:
        await gateway.refund(reference, 1001, "refund-b")
        raise AssertionError("refunded more than the charge")
    except GatewayRefused as refused:
        assert refused.details["processor_code"] == "amount_too_large"
    rest = await gateway.refund(reference, 1000, "refund-c")
    recorded = await _sandbox_refunds(payments, None, reference)
    assert sorted(r.reference for r in recorded) == sorted([first.reference, rest.reference])


async def _charge_reference(payments: PaymentsStack, key: str) -> str:
    async with transaction(payments.app.state.sessionmaker) as session:
        found = await session.scalar(
            select(Charge.gateway_reference).where(Charge.idempotency_key == key)
        )
    assert found is not None
    return found


async def _sandbox_refunds(
    payments: PaymentsStack, reference: str | None, charge_reference: str | None = None
) -> list[SandboxRefund]:
    query = select(SandboxRefund)
    if reference is not None:
        query = query.where(SandboxRefund.reference == reference)
    if charge_reference is not None:
        query = query.where(SandboxRefund.charge_reference == charge_reference)
    async with transaction(payments.app.state.sessionmaker) as session:
        return list(await session.scalars(query))
