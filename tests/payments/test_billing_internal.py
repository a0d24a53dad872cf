"""Billing's internal API: retries of an unpaid invoice, system credits, a method's summary and
an account's outstanding invoices, over HTTP against the real app and sandbox gateway."""

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, insert, select

from servicekit.db import transaction, utcnow
from services.payments.models import Adjustment, Charge
from tests.payments.factories import (
    DECLINES_CHARGES,
    VISA,
    PaymentsStack,
    add_card,
    add_pad,
    balance,
    card_body,
    charge,
    charge_body,
    gateway_calls,
    retry_body,
)
from tests.subscriptions.factories import User, UserFactory

CHARGES, CREDITS = "/internal/v1/charges", "/internal/v1/credits"


async def _declined(
    client: httpx.AsyncClient, stack: PaymentsStack, user: User, amount: int = 6500
) -> tuple[dict, dict, dict]:
    """(card, the first charge's body, its answer): a period charged on a declining card."""
    card = await add_card(client, user, DECLINES_CHARGES)
    first = charge_body(user, card["id"], amount)
    answer = await charge(client, stack, first)
    assert answer["status"] == "declined"
    return card, first, answer


async def _invoice(client: httpx.AsyncClient, user: User, invoice_id: str) -> dict:
    invoices = (await client.get("/v1/invoices", headers=user.headers)).json()
    [found] = [i for i in invoices if i["id"] == invoice_id]
    return found  # type: ignore[no-any-return]


# Retries ---------------------------------------------------------------------------------------


async def test_a_retry_on_the_updated_card_settles_the_invoice(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card, first, declined = await _declined(client, payments, user)
    assert await balance(client, user) == 6500
    await client.put(
        f"/v1/payment-methods/{card['id']}/card",
        json=(await card_body(client, VISA)),
        headers=user.headers,
    )
    body = retry_body(first, declined["invoice_id"], 1)
    retried = await charge(client, payments, body)
    assert retried["status"] == "paid" and retried["invoice_id"] == declined["invoice_id"]
    assert retried["id"] != declined["id"]
    invoices = (await client.get("/v1/invoices", headers=user.headers)).json()
    assert [(i["id"], i["status"]) for i in invoices] == [(declined["invoice_id"], "paid")]
    assert invoices[0]["receipt_number"]
    assert await balance(client, user) == 0
    assert await gateway_calls(payments, body["idempotency_key"]) == 1
    receipt = await client.get(f"/v1/receipts/{declined['invoice_id']}/pdf", headers=user.headers)
    assert receipt.status_code == 200
    assert await charge(client, payments, body) == retried  # a repeat answers the first result
    assert await balance(client, user) == 0


async def test_a_retry_declined_again_leaves_the_invoice_and_the_balance(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    _, first, declined = await _declined(client, payments, user, 4250)
    body = retry_body(first, declined["invoice_id"], 1)
    retried = await charge(client, payments, body)
    assert (retried["status"], retried["decline_code"]) == ("declined", "insufficient_funds")
    assert retried["invoice_id"] == declined["invoice_id"]
    invoice = await _invoice(client, user, declined["invoice_id"])
    assert invoice["status"] == "unpaid" and invoice["receipt_number"] is None
    assert await balance(client, user) == 4250
    assert await gateway_calls(payments, body["idempotency_key"]) == 1
    outstanding = await client.get(
        f"/internal/v1/accounts/{user.id}/outstanding", headers=payments.internal
    )
    assert [i["id"] for i in outstanding.json()["unpaid_invoices"]] == [declined["invoice_id"]]


async def test_after_an_operators_payment_a_retry_is_paid_without_the_gateway(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user, operator = await users(), await users(role="operator")
    _, first, declined = await _declined(client, payments, user, 5000)
    paid = await client.post(
        f"/v1/operator/accounts/{user.id}/adjustments",
        json={"kind": "payment", "amount_cents": 5000, "reason": "Chèque reçu au comptoir"},
        headers=operator.headers,
    )
    assert paid.status_code == 201 and paid.json()["balance_cents"] == 0
    body = retry_body(first, declined["invoice_id"], 1)
    retried = await charge(client, payments, body)
    assert retried["status"] == "paid" and retried["invoice_id"] == declined["invoice_id"]
    assert await gateway_calls(payments, body["idempotency_key"]) == 0
    invoice = await _invoice(client, user, declined["invoice_id"])
    assert invoice["status"] == "paid" and invoice["receipt_number"]
    assert await balance(client, user) == 0  # the operator's payment is not counted twice
    again = retry_body(first, declined["invoice_id"], 2)  # the invoice is paid now
    assert (await charge(client, payments, again))["status"] == "paid"
    assert await gateway_calls(payments, again["idempotency_key"]) == 0
    assert await balance(client, user) == 0


async def test_a_retry_must_ask_for_its_invoices_total_and_own_it(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user, other = await users(), await users()
    _, first, declined = await _declined(client, payments, user, 6500)
    wrong = retry_body(first, declined["invoice_id"], 1, amount_cents=6400)
    answer = await client.post(CHARGES, json=wrong, headers=payments.internal)
    assert answer.status_code == 409 and answer.json()["error"] == "charge_mismatch"
    assert answer.json()["field"] == "amount_cents"
    foreign = retry_body(first, declined["invoice_id"], 1, account_id=other.id)
    missing = retry_body(first, str(uuid.uuid4()), 1)
    for body in (foreign, missing):
        refused = await client.post(CHARGES, json=body, headers=payments.internal)
        assert refused.status_code == 404 and refused.json()["error"] == "invoice_not_found"
    assert await gateway_calls(payments, wrong["idempotency_key"]) == 0
    assert await balance(client, user) == 6500


async def test_twenty_concurrent_identical_retries_charge_once(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card, first, declined = await _declined(client, payments, user)
    await client.put(
        f"/v1/payment-methods/{card['id']}/card",
        json=(await card_body(client, VISA)),
        headers=user.headers,
    )
    body = retry_body(first, declined["invoice_id"], 1)
    answers = await asyncio.gather(
        *(client.post(CHARGES, json=body, headers=payments.internal) for _ in range(20))
    )
    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert {a.json()["status"] for a in answers} == {"paid"}
    assert await gateway_calls(payments, body["idempotency_key"]) == 1
    assert await balance(client, user) == 0
    async with transaction(payments.app.state.sessionmaker) as session:
        query = select(func.count()).where(Charge.invoice_id == declined["invoice_id"])
        assert await session.scalar(query) == 2  # the first charge and one retry


async def test_a_retry_waits_while_another_key_retries_the_same_invoice(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    """The retry timer and a card update must not both reach the gateway for one invoice."""
    user = await users()
    _, first, declined = await _declined(client, payments, user)
    under_way = retry_body(first, declined["invoice_id"], 1)
    async with transaction(payments.app.state.sessionmaker) as session:
        await session.execute(
            insert(Charge).values(
                id=str(uuid.uuid4()),
                status="pending",
                attempt_started_at=utcnow(),
                **{k: v for k, v in under_way.items() if not k.startswith("period")},
                period_start=utcnow().date(),
                period_end=utcnow().date() + timedelta(days=30),
            )
        )
    other = retry_body(first, declined["invoice_id"], 2)
    answer = await client.post(CHARGES, json=other, headers=payments.internal)
    assert answer.status_code == 409 and answer.json()["error"] == "charge_in_progress"
    assert await gateway_calls(payments, other["idempotency_key"]) == 0


# Credits ---------------------------------------------------------------------------------------


def _credit(user: User, key: str, amount: int = 1200, **changes: object) -> dict:
    return {
        "idempotency_key": key,
        "account_id": user.id,
        "subscription_id": "7c1c2a34-2f9e-4a53-9d41-6d0f3b1e8a10",
        "amount_cents": amount,
        "reason": "Jours non utilisés après la résiliation",
    } | changes


async def test_a_credit_is_granted_once_per_key_and_audited(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user, operator = await users(), await users(role="operator")
    key = f"subscription-{uuid.uuid4()}:credit:final"
    first = await client.post(CREDITS, json=_credit(user, key), headers=payments.internal)
    again = await client.post(CREDITS, json=_credit(user, key), headers=payments.internal)
    assert first.status_code == again.status_code == 201, first.text
    assert first.json() == again.json() and first.json()["amount_cents"] == 1200
    assert await balance(client, user) == -1200
    billing = await client.get(f"/v1/operator/accounts/{user.id}/billing", headers=operator.headers)
    [audit] = billing.json()["adjustments"]
    assert (audit["kind"], audit["operator_id"], audit["amount_cents"]) == (
        "credit",
        "system",
        1200,
    )
    reused = await client.post(CREDITS, json=_credit(user, key, 1300), headers=payments.internal)
    assert reused.status_code == 409 and reused.json()["error"] == "idempotency_key_reused"
    blank = await client.post(
        CREDITS, json=_credit(user, key + "-2", reason=" "), headers=payments.internal
    )
    assert blank.status_code == 422 and blank.json()["errors"][0]["code"] == "reason_required"
    assert (await client.post(CREDITS, json=_credit(user, key + "-3"))).status_code == 401
    assert await balance(client, user) == -1200


async def test_concurrent_credits_with_one_key_credit_once(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    body = _credit(user, f"subscription-{uuid.uuid4()}:credit:final", 800)
    answers = await asyncio.gather(
        *(client.post(CREDITS, json=body, headers=payments.internal) for _ in range(10))
    )
    assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    async with transaction(payments.app.state.sessionmaker) as session:
        query = select(func.count()).where(Adjustment.account_id == user.id)
        assert await session.scalar(query) == 1
    assert await balance(client, user) == -800


# Lookups -------------------------------------------------------------------------------------


async def test_a_method_is_found_only_for_its_account(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    owner, other = await users(), await users()
    card = await add_card(client, owner)
    pad = (await add_pad(client, owner)).json()
    url = "/internal/v1/payment-methods/{}"
    found = await client.get(
        url.format(card["id"]), params={"account_id": owner.id}, headers=payments.internal
    )
    assert found.status_code == 200
    assert found.json() == {
        "id": card["id"],
        "kind": "card",
        "brand": "visa",
        "last4": "4242",
        "account_last4": None,
        "exp_month": 12,  # the expiry feeds the card expiry reminder
        "exp_year": card["exp_year"],
    }
    bank = await client.get(
        url.format(pad["id"]), params={"account_id": owner.id}, headers=payments.internal
    )
    assert (bank.json()["kind"], bank.json()["account_last4"]) == ("pad", "4567")
    foreign = await client.get(
        url.format(card["id"]), params={"account_id": other.id}, headers=payments.internal
    )
    missing = await client.get(
        url.format(uuid.uuid4()), params={"account_id": owner.id}, headers=payments.internal
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["error"] == "payment_method_not_found"
    unsigned = await client.get(url.format(card["id"]), params={"account_id": owner.id})
    assert unsigned.status_code == 401


async def test_outstanding_lists_the_unpaid_invoices_oldest_first(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    declining = await add_card(client, user, DECLINES_CHARGES)
    paying = await add_card(client, user)
    april = charge_body(
        user, declining["id"], 3000, period_start="2028-04-01", period_end="2028-04-30"
    )
    march = charge_body(user, declining["id"], 6500)
    unpaid_april = await charge(client, payments, april)
    unpaid_march = await charge(client, payments, march)
    await charge(client, payments, charge_body(user, paying["id"], 6500))
    answer = await client.get(
        f"/internal/v1/accounts/{user.id}/outstanding", headers=payments.internal
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "balance_cents": 9500,
        "unpaid_invoices": [
            {
                "id": unpaid_march["invoice_id"],
                "subscription_id": march["subscription_id"],
                "period_start": "2028-03-01",
                "total_cents": 6500,
            },
            {
                "id": unpaid_april["invoice_id"],
                "subscription_id": april["subscription_id"],
                "period_start": "2028-04-01",
                "total_cents": 3000,
            },
        ],
    }
    nobody = await client.get(
        f"/internal/v1/accounts/{uuid.uuid4()}/outstanding", headers=payments.internal
    )
    assert nobody.json() == {"balance_cents": 0, "unpaid_invoices": []}
