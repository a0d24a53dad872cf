"""Charges (internal), invoices, balance, receipts and operator adjustments over HTTP."""

import asyncio
import io
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import func, insert, select

from servicekit.clock import today
from servicekit.db import make_engine, utcnow
from services.payments.models import Charge, Invoice, PaymentMethod
from services.payments.sandbox_models import SandboxCharge
from tests.payments.factories import (
    DECLINES_CHARGES,
    MASTERCARD,
    PaymentsStack,
    add_card,
    add_pad,
    card_body,
    charge_body,
)
from tests.subscriptions.factories import User, UserFactory

CHARGES = "/internal/v1/charges"


async def _charge(client: httpx.AsyncClient, stack: PaymentsStack, body: dict[str, Any]) -> dict:
    response = await client.post(CHARGES, json=body, headers=stack.internal)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _balance(client: httpx.AsyncClient, user: User) -> int:
    return (await client.get("/v1/balance", headers=user.headers)).json()["balance_cents"]  # type: ignore[no-any-return]


async def test_card_charge_is_paid_with_taxes_on_separate_lines(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card = await add_card(client, user)
    charged = await _charge(client, payments, charge_body(user, card["id"], 6500))
    assert charged["status"] == "paid" and charged["amount_cents"] == 6500
    [invoice] = (await client.get("/v1/invoices", headers=user.headers)).json()
    assert invoice["id"] == charged["invoice_id"] and invoice["status"] == "paid"
    assert (invoice["pretax_cents"], invoice["gst_cents"], invoice["qst_cents"]) == (5653, 283, 564)
    assert await _balance(client, user) == 0
    pdf = await client.get(f"/v1/invoices/{invoice['id']}/pdf", headers=user.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages]
    assert "Facture" in pages[0] and "TPS" in pages[0] and "TVQ" in pages[0]
    assert "56,53" in pages[0] and "2,83" in pages[0] and "5,64" in pages[0]
    assert "Invoice" in pages[-1] and "GST" in pages[-1] and "$56.53" in pages[-1]
    receipt = await client.get(f"/v1/receipts/{invoice['id']}/pdf", headers=user.headers)
    text = PdfReader(io.BytesIO(receipt.content)).pages[0].extract_text()
    assert receipt.status_code == 200 and "Reçu" in text and "4242" in text


async def test_replaced_card_is_used_by_the_next_charge(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card = await add_card(client, user, DECLINES_CHARGES)
    first = await _charge(client, payments, charge_body(user, card["id"]))
    assert (first["status"], first["decline_code"]) == ("declined", "insufficient_funds")
    await client.put(
        f"/v1/payment-methods/{card['id']}/card",
        json=(await card_body(client, MASTERCARD)),
        headers=user.headers,
    )
    second = await _charge(client, payments, charge_body(user, card["id"]))
    assert second["status"] == "paid"


async def test_declined_charge_leaves_an_unpaid_invoice_and_raises_the_balance(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card = await add_card(client, user, DECLINES_CHARGES)
    charged = await _charge(client, payments, charge_body(user, card["id"], 4250))
    assert charged["status"] == "declined"
    [invoice] = (await client.get("/v1/invoices", headers=user.headers)).json()
    assert invoice["status"] == "unpaid"
    assert await _balance(client, user) == 4250
    receipt = await client.get(f"/v1/receipts/{invoice['id']}/pdf", headers=user.headers)
    assert receipt.status_code == 404


async def test_payroll_and_pad_charges(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    payroll = await _charge(client, payments, charge_body(user, None, 3000))
    assert payroll["status"] == "recorded"
    pad = (await add_pad(client, user)).json()
    debit = await _charge(client, payments, charge_body(user, pad["id"], 3000))
    assert debit["status"] == "paid"
    statuses = {
        i["id"]: i["status"]
        for i in (await client.get("/v1/invoices", headers=user.headers)).json()
    }
    assert statuses == {payroll["invoice_id"]: "payroll", debit["invoice_id"]: "paid"}
    assert await _balance(client, user) == 0
    in_use = await client.delete(f"/v1/payment-methods/{pad['id']}", headers=user.headers)
    assert in_use.status_code == 409 and in_use.json()["error"] == "method_in_use"


async def test_same_key_returns_the_first_result(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card = await add_card(client, user)
    body = charge_body(user, card["id"])
    first = await _charge(client, payments, body)
    again = await _charge(client, payments, body)
    assert again == first
    reused = await client.post(CHARGES, json=body | {"amount_cents": 1}, headers=payments.internal)
    assert reused.status_code == 409 and reused.json()["error"] == "idempotency_key_reused"
    assert (await client.post(CHARGES, json=body)).status_code == 401


async def test_twenty_concurrent_duplicates_charge_once(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    card = await add_card(client, user)
    body = charge_body(user, card["id"], 6500)
    answers = await asyncio.gather(
        *(client.post(CHARGES, json=body, headers=payments.internal) for _ in range(20))
    )
    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert {a.json()["status"] for a in answers} == {"paid"}
    engine = make_engine(payments.settings.database_url)
    try:
        async with engine.connect() as conn:
            key = body["idempotency_key"]
            gateway = await conn.scalar(
                select(func.count()).where(SandboxCharge.idempotency_key == key)
            )
            charges = await conn.scalar(select(func.count()).where(Charge.idempotency_key == key))
            invoices = await conn.scalar(select(func.count()).where(Invoice.account_id == user.id))
    finally:
        await engine.dispose()
    assert (gateway, charges, invoices) == (1, 1, 1)
    assert await _balance(client, user) == 0


async def test_invoices_are_scoped_to_their_owner(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    owner, other, operator = await users(), await users(), await users(role="operator")
    card = await add_card(client, owner)
    invoice_id = (await _charge(client, payments, charge_body(owner, card["id"])))["invoice_id"]
    assert (await client.get("/v1/invoices", headers=other.headers)).json() == []
    for path in (f"/v1/invoices/{invoice_id}/pdf", f"/v1/receipts/{invoice_id}/pdf"):
        foreign = await client.get(path, headers=other.headers)
        missing = await client.get(path.replace(invoice_id, "missing"), headers=other.headers)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json() == missing.json()
        assert (await client.get(path, headers=operator.headers)).status_code == 200


async def test_operator_adjustments_are_audited_and_move_the_balance(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user, operator = await users(), await users(role="operator")
    card = await add_card(client, user, DECLINES_CHARGES)
    await _charge(client, payments, charge_body(user, card["id"], 5000))
    url = f"/v1/operator/accounts/{user.id}/adjustments"
    blank = await client.post(
        url, json={"kind": "payment", "amount_cents": 100, "reason": "  "}, headers=operator.headers
    )
    assert blank.status_code == 422 and blank.json()["errors"][0]["code"] == "reason_required"
    refused = await client.post(
        url, json={"kind": "credit", "amount_cents": 100, "reason": "x"}, headers=user.headers
    )
    assert refused.status_code == 403
    paid = await client.post(
        url,
        json={"kind": "payment", "amount_cents": 3000, "reason": "Chèque reçu au comptoir"},
        headers=operator.headers,
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["operator_id"] == operator.id and paid.json()["balance_cents"] == 2000
    await client.post(
        url,
        json={"kind": "credit", "amount_cents": 2500, "reason": "Geste commercial"},
        headers=operator.headers,
    )
    assert await _balance(client, user) == -500
    billing = await client.get(f"/v1/operator/accounts/{user.id}/billing", headers=operator.headers)
    body = billing.json()
    assert body["balance_cents"] == -500 and len(body["invoices"]) == 1
    reasons = {(a["kind"], a["reason"], a["operator_id"]) for a in body["adjustments"]}
    assert reasons == {
        ("payment", "Chèque reçu au comptoir", operator.id),
        ("credit", "Geste commercial", operator.id),
    }
    assert body["methods"][0]["last4"] == "0341"


async def test_a_charge_left_pending_by_a_crash_is_resumed_once(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    """The first caller wrote the pending row, reached the gateway, then died."""
    user = await users()
    card = await add_card(client, user)
    body = charge_body(user, card["id"], 6500)
    gateway = payments.app.state.components.gateway
    engine = make_engine(payments.settings.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(Charge).values(
                    id=str(uuid.uuid4()),
                    status="pending",
                    attempt_started_at=utcnow() - timedelta(hours=1),
                    **{k: v for k, v in body.items() if not k.startswith("period")},
                    period_start=date(2028, 3, 1),
                    period_end=date(2028, 3, 31),
                )
            )
        tokens = await conn_token(engine, card["id"])
        await gateway.charge(tokens, 6500, body["idempotency_key"])  # captured before the crash
        resumed = await _charge(client, payments, body)
        async with engine.connect() as conn:
            count = await conn.scalar(
                select(func.count()).where(SandboxCharge.idempotency_key == body["idempotency_key"])
            )
    finally:
        await engine.dispose()
    assert resumed["status"] == "paid" and count == 1
    assert await _charge(client, payments, body) == resumed


async def conn_token(engine: Any, method_id: str) -> str:
    async with engine.connect() as conn:
        token = await conn.scalar(
            select(PaymentMethod.gateway_token).where(PaymentMethod.id == method_id)
        )
    return str(token)


async def test_a_card_paying_a_period_ending_today_in_montreal_stays(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    """The last day of a period is Montréal's: from 19:00 or 20:00 there it is already the
    next day in UTC, and the card must still not be removable while it pays today."""
    user = await users()
    card = await add_card(client, user)
    last_day = today()
    body = charge_body(
        user,
        card["id"],
        period_start=(last_day - timedelta(days=30)).isoformat(),
        period_end=last_day.isoformat(),
    )
    assert (await _charge(client, payments, body))["status"] == "paid"
    in_use = await client.delete(f"/v1/payment-methods/{card['id']}", headers=user.headers)
    assert in_use.status_code == 409 and in_use.json()["error"] == "method_in_use"
