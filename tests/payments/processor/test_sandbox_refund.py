"""The embedded sandbox refunds too: a credit paid back to a sandbox card, once per key."""

import uuid

import httpx

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
