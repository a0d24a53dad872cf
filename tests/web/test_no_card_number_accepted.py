"""No route of the web or the payments service takes a card number (PCI DSS SAQ A): the card is
typed in the processor's hosted page, and the portal and payments only see its token.

A card number is sent to every payments route that reads a body, and to every portal form that
takes a payment method: each refuses it, naming the field, and no card number is stored."""

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import String, Text, inspect, text

from servicekit.cards import contains_card_number
from servicekit.db import make_engine
from servicekit.settings import PlatformSettings
from services.payments.config import PaymentsSettings
from tests.web.subscriptions_support import text_of
from tests.web.support import Account, api_login, bearer, csrf, login

VISA = "4242424242424242"
CARD = {"number": VISA, "exp_month": 12, "exp_year": 2035, "cvv": "123"}
# What a card form or a client that still sends cards would post.
CARD_BODY: dict[str, Any] = {
    **CARD,
    "card_number": VISA,
    "card": {"holder_name": "Marie Tremblay", **CARD},
    "holder_name": "Marie Tremblay",
}
CARD_FIELDS = ("number", "card_number", "cvv", "exp_month", "exp_year")
WEB_CARD_FORMS = {
    "/ajouter-un-abonnement/paiement/carte": CARD_FIELDS,
    "/mon-abonnement/{id}/carte": CARD_FIELDS,
    # `number` is the notice's own number there (a card typed in it finds no notice)
    "/payer-un-avis-de-reclamation/paiement": CARD_FIELDS[1:],
}


def write_routes(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """(method, path, reads a body) of every POST, PUT and PATCH route of `app`."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for ctx in contexts() if contexts else [route]:
            for method in sorted(getattr(ctx, "methods", None) or ()):
                if method in ("POST", "PUT", "PATCH"):
                    yield method, ctx.path, getattr(ctx, "body_field", None) is not None


@pytest.fixture
async def pay_api(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.payments_url
    ) as api:
        yield api


async def test_every_payments_route_refuses_a_card_number(
    apps: dict[str, FastAPI],
    pay_api: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    operator: Account,
    platform_settings: PlatformSettings,
    payments_settings: PaymentsSettings,
) -> None:
    token = str((await api_login(identity, operator.email))["access_token"])
    headers = bearer(token) | {"X-Service-Token": platform_settings.service_token}
    tried, bodyless = [], []
    for method, path, reads_body in write_routes(apps["payments"]):
        if not reads_body:  # nothing is read from the request: no card can come in
            bodyless.append(path)
            continue
        url = path.replace("{", "").replace("}", "")  # any id: the body is checked regardless
        for send in ({"json": CARD_BODY}, {"data": {k: str(v) for k, v in CARD.items()}}):
            answer = await pay_api.request(method, url, headers=headers, **send)
            assert 400 <= answer.status_code < 500, (method, path, answer.status_code)
            assert not contains_card_number(answer.text), (method, path)
        tried.append(path)
    assert "/v1/payment-methods/card" in tried and "/v1/claim-notices/pay" in tried
    assert "/v1/payment-methods/{method_id}/card" in tried
    await assert_no_card_number_stored(payments_settings.database_url)


async def test_the_card_routes_name_the_card_number_field(
    pay_api: httpx.AsyncClient, identity: httpx.AsyncClient, user: Account
) -> None:
    headers = bearer(str((await api_login(identity, user.email))["access_token"]))
    base = {"holder_name": "Marie Tremblay", "card_token": "stk_abcdef"}
    for method, path, body in [
        ("POST", "/v1/payment-methods/card", base),
        ("PUT", f"/v1/payment-methods/{uuid.uuid4()}/card", base),
        ("POST", "/v1/claim-notices/pay", {"number": "AR-1", "plate": "ABC123", "card": base}),
    ]:
        for field in ("number", "card_number", "cvv"):
            if "card" in body:
                sent = body | {"card": base | {field: VISA}}
            else:
                sent = body | {field: VISA}
            answer = await pay_api.request(method, path, json=sent, headers=headers)
            assert answer.status_code == 422, (path, answer.text)
            named = [e["field"] for e in answer.json()["errors"]]
            assert any(n.endswith(field) for n in named), (path, named)
            assert answer.json()["errors"][0]["message"]["fr"] == "Champ inconnu."


async def test_every_portal_payment_form_refuses_a_card_number(
    client: httpx.AsyncClient, user: Account, payments_settings: PaymentsSettings
) -> None:
    await login(client, user.email)
    some_id = str(uuid.uuid4())
    for path, fields in WEB_CARD_FORMS.items():
        url = path.format(id=some_id)
        for field in fields:
            form = {
                "csrf_token": await csrf(client, "/mon-abonnement"),
                "holder_name": "Marie Tremblay",
                "card_token": "",
                field: VISA,
            }
            answer = await client.post(url, data=form)
            assert answer.status_code == 422, (url, field, answer.status_code)
            assert f"« {field} »" in text_of(answer.text), (url, field)
            assert VISA not in answer.text
    await assert_no_card_number_stored(payments_settings.database_url)


async def assert_no_card_number_stored(database_url: str) -> None:
    """Every text column of the payments database (the sandbox's tables too) holds no card."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(
                lambda sync: {
                    name: [
                        c["name"]
                        for c in inspect(sync).get_columns(name)
                        if isinstance(c["type"], String | Text)
                    ]
                    for name in inspect(sync).get_table_names()
                }
            )
            for table, columns in tables.items():
                for column in columns:
                    rows = await conn.execute(text(f'SELECT "{column}" FROM "{table}"'))
                    for (value,) in rows:
                        assert VISA not in str(value or ""), (table, column)
    finally:
        await engine.dispose()
    assert "sandbox_single_use_tokens" in tables
