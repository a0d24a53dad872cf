"""No route of the web or the payments service takes a card number (PCI DSS SAQ A): the card is
typed in the processor's hosted page, and the portal and payments only see its token.

A card number is sent to every payments route that reads a body, and to every portal form that
takes a payment method: each refuses it, naming the field, and no card number is stored. The
card number is also typed in each field of the card, bank-account (PAD) and claim-notice routes
and forms, one at a time, the others valid: each refuses it, and it is neither stored nor logged."""

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import String, Text, inspect, text

from servicekit.cards import contains_card_number
from servicekit.db import make_engine
from servicekit.observability.logs import access_log
from servicekit.settings import PlatformSettings
from services.payments.config import PaymentsSettings
from tests.payments.factories import card_body, pad_form
from tests.support.specimen_files import PDF
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
            await assert_card_form_refuses(client, url, field, card_token="")
    await assert_no_card_number_stored(payments_settings.database_url)


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every log record and access-log line of the test, as the services' handlers get them."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    access = access_log()
    write = access.write

    def keep_access(*args: Any, **kwargs: Any) -> None:
        lines.append(repr((args, kwargs)))
        write(*args, **kwargs)

    monkeypatch.setattr(access, "write", keep_access)
    root, keep = logging.getLogger(), Keep(logging.DEBUG)
    if root.handlers and root.handlers[0].formatter is not None:
        keep.setFormatter(root.handlers[0].formatter)
    level = root.level
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(keep)
    root.setLevel(level)


PAD_FIELDS = ("holder_name", "institution", "transit", "account", "agreement_version", "payer_type")
SPECIMEN = {"specimen": ("cheque.pdf", PDF, "application/pdf")}


def refused(answer: httpx.Response, where: str, field: str) -> None:
    assert 400 <= answer.status_code < 500, (where, field, answer.status_code, answer.text)
    assert VISA not in answer.text and not contains_card_number(answer.text), (where, field)


async def test_a_card_number_in_any_field_of_the_payment_api_is_refused_stored_nor_logged(
    apps: dict[str, FastAPI],
    pay_api: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    user: Account,
    payments_settings: PaymentsSettings,
    logged: list[str],
) -> None:
    headers = bearer(str((await api_login(identity, user.email))["access_token"]))
    pad = await pay_api.post(
        "/v1/payment-methods/pad", data=pad_form(), files=SPECIMEN, headers=headers
    )
    card = await pay_api.post(
        "/v1/payment-methods/card", json=await card_body(apps["payments"]), headers=headers
    )
    assert (pad.status_code, card.status_code) == (201, 201), (pad.text, card.text)
    pad_routes = [
        ("POST", "/v1/payment-methods/pad"),
        ("PUT", f"/v1/payment-methods/{pad.json()['id']}/pad"),
    ]
    card_routes = [
        ("POST", "/v1/payment-methods/card"),
        ("PUT", f"/v1/payment-methods/{card.json()['id']}/card"),
    ]
    for field in PAD_FIELDS:
        for method, path in pad_routes:
            form = pad_form(**{field: VISA})
            answer = await pay_api.request(method, path, data=form, files=SPECIMEN, headers=headers)
            refused(answer, path, field)
    for field in ("holder_name", "card_token"):
        for method, path in card_routes:
            body = await card_body(apps["payments"]) | {field: VISA}
            refused(await pay_api.request(method, path, json=body, headers=headers), path, field)
    holder = {"holder_name": "Marie Tremblay", "card_token": "stk_abcdef"}
    claim = {"number": "AR-1", "plate": "ABC123", "card": holder, "email": "marie@example.com"}
    bodies = [claim | {field: VISA} for field in ("number", "plate", "email")]
    bodies += [claim | {"card": holder | {field: VISA}} for field in holder]
    for body in bodies:
        refused(await pay_api.post("/v1/claim-notices/pay", json=body), "pay", str(body))
    for field in ("number", "plate"):
        lookup = {"number": "AR-1", "plate": "ABC123", field: VISA}
        refused(await pay_api.post("/v1/claim-notices/lookup", json=lookup), "lookup", field)
    await assert_no_card_number_stored(payments_settings.database_url)
    assert logged and not any(VISA in line for line in logged)


WEB_BANK_FORMS = ("/ajouter-un-abonnement/paiement/pad", "/mon-abonnement/{id}/compte-bancaire")


async def test_a_card_number_in_any_field_of_the_portal_bank_forms_is_refused(
    client: httpx.AsyncClient,
    user: Account,
    payments_settings: PaymentsSettings,
    logged: list[str],
) -> None:
    await login(client, user.email)
    some_id = str(uuid.uuid4())
    for path in WEB_BANK_FORMS:
        url = path.format(id=some_id)
        for field in (*PAD_FIELDS, *CARD_FIELDS):
            form = pad_form(**{field: VISA}) | {"csrf_token": await csrf(client, "/mon-abonnement")}
            answer = await client.post(url, data=form, files=SPECIMEN)
            assert answer.status_code == 422, (url, field, answer.status_code)
            assert f"« {field} »" in text_of(answer.text), (url, field)
            assert VISA not in answer.text
    await assert_no_card_number_stored(payments_settings.database_url)
    assert not any(VISA in line for line in logged)


async def test_a_card_number_in_the_holder_or_the_claim_fields_of_the_portal_is_refused(
    client: httpx.AsyncClient, user: Account, payments_settings: PaymentsSettings
) -> None:
    await login(client, user.email)
    some_id = str(uuid.uuid4())
    forms = {path.format(id=some_id): ("holder_name", "card_token") for path in WEB_CARD_FORMS}
    forms["/payer-un-avis-de-reclamation/paiement"] += ("number", "plate", "email")
    for url, fields in forms.items():
        for field in fields:
            await assert_card_form_refuses(client, url, field, card_token="stk_abcdef")
    await assert_no_card_number_stored(payments_settings.database_url)


async def assert_card_form_refuses(
    client: httpx.AsyncClient, url: str, field: str, card_token: str
) -> None:
    """A card form with a card number in `field`: 422 naming the field, the number not echoed."""
    form = {
        "csrf_token": await csrf(client, "/mon-abonnement"),
        "holder_name": "Marie Tremblay",
        "card_token": card_token,
        field: VISA,
    }
    answer = await client.post(url, data=form)
    assert answer.status_code == 422, (url, field, answer.status_code)
    assert f"« {field} »" in text_of(answer.text), (url, field)
    assert VISA not in answer.text


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
