"""Small factories for the payments tests: card and bank forms, charges and retries, the
balance, the sandbox's record of gateway calls, the test stack."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from servicekit.db import transaction
from servicekit.settings import PlatformSettings
from services.payments.config import PaymentsSettings
from services.payments.sandbox_models import SandboxCharge
from tests.subscriptions.factories import User
from tests.support.specimen_files import PDF as PDF  # re-exported for the payments tests
from tests.support.specimen_files import PNG as PNG

PAYMENTS = "http://payments.test"
VISA, MASTERCARD, AMEX = "4242 4242 4242 4242", "5555555555554444", "378282246310005"
DECLINED_AT_TOKENISE, DECLINES_CHARGES = "4000000000000002", "4000000000000341"
EXPIRED_AT_TOKENISE = "4000000000000069"


@dataclass
class PaymentsStack:
    app: FastAPI
    settings: PaymentsSettings
    platform: PlatformSettings

    @property
    def internal(self) -> dict[str, str]:
        return {"X-Service-Token": self.platform.service_token}


def _app_of(where: "httpx.AsyncClient | PaymentsStack | FastAPI") -> FastAPI:
    """The payments app behind a stack, a client of it, or the session's client of every app
    (its mount for http://payments.test, a lazily resolved app)."""
    if isinstance(where, PaymentsStack):
        return where.app
    if not isinstance(where, httpx.AsyncClient):
        return where
    app = getattr(where._transport, "app", None)
    if app is None:
        mounts = where._mounts.items()
        app = next(t.app for p, t in mounts if "payments" in p.pattern)  # type: ignore[union-attr]
    lazy = getattr(app, "apps", None)
    return lazy[app.name] if lazy is not None else app  # type: ignore[no-any-return]


async def card_token(
    where: "httpx.AsyncClient | PaymentsStack | FastAPI",
    number: str = VISA,
    *,
    exp_month: int = 12,
    exp_year: int | None = None,
) -> str:
    """A single-use token for `number`, issued as the hosted card page issues it (its own
    function, on the payments database of `where`: a stack, its app or a client of it)."""
    from services.payments.hosted_card import issuing
    from services.payments.hosted_card.schemas import CardEntryIn

    year = exp_year or date.today().year + 2
    card = CardEntryIn(number=number, exp_month=exp_month, exp_year=year, cvv="123")
    sessions = _app_of(where).state.sessionmaker
    return (await issuing.issue(sessions, card, 600)).token


async def card_body(
    where: "httpx.AsyncClient | PaymentsStack | FastAPI",
    number: str = VISA,
    *,
    exp_month: int = 12,
    exp_year: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """What a card form posts: the holder and a fresh single-use token for `number`."""
    token = await card_token(where, number, exp_month=exp_month, exp_year=exp_year)
    return {"holder_name": "Léa Tremblay", "card_token": token} | changes


def pad_form(**changes: Any) -> dict[str, str]:
    return {
        "holder_name": "Léa Tremblay",
        "institution": "815",
        "transit": "30000",
        "account": "1234567",
        "agreement_accepted": "true",
        "agreement_version": "2026-01",
    } | changes


async def add_card(client: httpx.AsyncClient, user: User, number: str = VISA) -> dict[str, Any]:
    response = await client.post(
        "/v1/payment-methods/card", json=await card_body(client, number), headers=user.headers
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def add_pad(
    client: httpx.AsyncClient, user: User, content: bytes = PDF, name: str = "cheque.pdf"
) -> httpx.Response:
    return await client.post(
        "/v1/payment-methods/pad",
        data=pad_form(),
        files={"specimen": (name, content, "application/pdf")},
        headers=user.headers,
    )


def charge_body(user: User, method_id: str | None, amount: int = 6500, **changes: Any) -> dict:
    return {
        "idempotency_key": f"sub-{uuid.uuid4().hex}:2028-03",
        "account_id": user.id,
        "subscription_id": str(uuid.uuid4()),
        "payment_method_id": method_id,
        "period_start": "2028-03-01",
        "period_end": "2028-03-31",
        "amount_cents": amount,
        "description": "Abonnement 7116 - mars 2028",
    } | changes


def retry_body(first: dict[str, Any], invoice_id: str, attempt: int, **changes: Any) -> dict:
    """The workflow's retry of a period's invoice: the first charge's body, its own key."""
    key = f"{first['idempotency_key']}:retry:{attempt}"
    return first | {"idempotency_key": key, "invoice_id": invoice_id} | changes


async def charge(client: httpx.AsyncClient, stack: PaymentsStack, body: dict[str, Any]) -> dict:
    response = await client.post("/internal/v1/charges", json=body, headers=stack.internal)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def balance(client: httpx.AsyncClient, user: User) -> int:
    response = await client.get("/v1/balance", headers=user.headers)
    return int(response.json()["balance_cents"])


async def gateway_calls(stack: PaymentsStack, key: str) -> int:
    """How many charges the sandbox processor received with this idempotency key."""
    async with transaction(stack.app.state.sessionmaker) as session:
        query = select(func.count()).where(SandboxCharge.idempotency_key == key)
        return int(await session.scalar(query) or 0)
