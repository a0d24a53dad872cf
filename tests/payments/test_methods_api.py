"""Payment methods over HTTP: cards through the sandbox, PAD with its agreement and specimen."""

import re
from pathlib import Path

import httpx
from sqlalchemy import String, Text, inspect, select, text

from servicekit.cards import contains_card_number
from servicekit.db import make_engine
from services.payments.models import PaymentMethod
from tests.payments.factories import (
    AMEX,
    DECLINED_AT_TOKENISE,
    EXPIRED_AT_TOKENISE,
    MASTERCARD,
    PDF,
    PNG,
    VISA,
    PaymentsStack,
    add_card,
    add_pad,
    card_body,
    pad_form,
)
from tests.subscriptions.factories import UserFactory
from tests.support.specimen_files import pdf_of_size

CARD = "/v1/payment-methods/card"
# The ids and keys the platform generates: random hex, so one in a few thousand holds a
# Luhn-valid run of digits by chance. They are taken out before the scan, which keeps it a
# check of what was stored rather than a lottery on the ids.
GENERATED_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}"
)


async def test_card_is_tokenised_and_only_its_last_4_come_back(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users()
    for number, brand, last4 in (
        (VISA, "visa", "4242"),
        (MASTERCARD, "mastercard", "4444"),
        (AMEX, "amex", "0005"),
    ):
        response = await client.post(
            CARD, json=(await card_body(client, number)), headers=user.headers
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["kind"], body["brand"], body["last4"]) == ("card", brand, last4)
        assert not contains_card_number(response.text)
    listed = await client.get("/v1/payment-methods", headers=user.headers)
    assert [m["last4"] for m in listed.json()] == ["4242", "4444", "0005"]


async def test_card_refusals(client: httpx.AsyncClient, users: UserFactory) -> None:
    user = await users()
    fresh = await card_body(client)
    cases = [
        (await card_body(client, DECLINED_AT_TOKENISE), 402, "card_declined"),
        (await card_body(client, EXPIRED_AT_TOKENISE), 422, "card_expired"),
        (fresh | {"card_token": "stk_neverIssued"}, 422, "card_token_invalid"),
        (fresh | {"number": VISA}, 422, "validation_failed"),
        ({"holder_name": "Léa Tremblay", "card_token": VISA}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        response = await client.post(CARD, json=body, headers=user.headers)
        assert (response.status_code, response.json()["error"]) == (status, code), body
        assert not contains_card_number(response.text)
    listed = await client.get("/v1/payment-methods", headers=user.headers)
    assert listed.json() == []


async def test_a_single_use_token_pays_once(client: httpx.AsyncClient, users: UserFactory) -> None:
    user = await users()
    body = await card_body(client)
    assert (await client.post(CARD, json=body, headers=user.headers)).status_code == 201
    again = await client.post(CARD, json=body, headers=user.headers)
    assert (again.status_code, again.json()["error"]) == (422, "card_token_invalid")
    assert again.json()["field"] == "card_token"
    assert again.json()["message"]["en"].startswith("The card entry expired or was already used")


async def test_card_replacement_keeps_the_method_with_a_new_card(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    user = await users()
    card = await add_card(client, user)
    replaced = await client.put(
        f"/v1/payment-methods/{card['id']}/card",
        json=(await card_body(client, MASTERCARD)),
        headers=user.headers,
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["id"], replaced.json()["last4"]) == (card["id"], "4444")
    other = await users()
    stolen = await client.put(
        f"/v1/payment-methods/{card['id']}/card",
        json=(await card_body(client)),
        headers=other.headers,
    )
    assert stolen.status_code == 404


async def test_pad_with_agreement_and_specimen(
    client: httpx.AsyncClient, users: UserFactory, specimen_dir: Path
) -> None:
    user, operator, other = await users(), await users(role="operator"), await users()
    response = await add_pad(client, user)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["account_last4"] == "4567" and "1234567" not in response.text
    assert body["agreement"]["version"] == "2026-01" and body["agreement"]["accepted_at"]
    url = f"/v1/payment-methods/{body['id']}/specimen"
    for who in (user, operator):
        got = await client.get(url, headers=who.headers)
        assert got.status_code == 200 and got.content == PDF
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["content-type"] == "application/pdf"
    assert (await client.get(url, headers=other.headers)).status_code == 404
    stored = list(specimen_dir.iterdir())
    assert all("cheque" not in p.name for p in stored)
    before = set(stored)
    deleted = await client.delete(f"/v1/payment-methods/{body['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert (await client.get(url, headers=user.headers)).status_code == 404
    assert len(before - set(specimen_dir.iterdir())) == 1


async def test_pad_agreement_text_has_every_h1_element(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/pad-agreement")).json()
    assert body["version"] == "2026-01"
    for needle in (
        "Date de l'accord",
        "Consentement",
        "personnel",
        "Montant et fréquence",
        "mensuel fixe",
        "30 jours",
        "Coordonnées du bénéficiaire",
        "Droits de recours",
    ):
        assert needle in body["text_fr"], needle
    for needle in (
        "Date of the agreement",
        "Consent",
        "personal",
        "business",
        "fixed monthly",
        "30 days",
        "Payee contact",
        "Recourse rights",
    ):
        assert needle in body["text_en"], needle
    assert (await client.get("/v1/pad-agreement?version=1999")).status_code == 404


async def test_bank_identifier_formats(client: httpx.AsyncClient, users: UserFactory) -> None:
    user = await users()
    cases = [
        ({"institution": "81"}, "institution", "institution_invalid"),
        ({"institution": "8151"}, "institution", "institution_invalid"),
        ({"institution": "8a5"}, "institution", "institution_invalid"),
        ({"transit": "3000"}, "transit", "transit_invalid"),
        ({"transit": "300000"}, "transit", "transit_invalid"),
        ({"account": "123456"}, "account", "account_invalid"),
        ({"account": "1234567890123"}, "account", "account_invalid"),
        ({"account": "12345 67"}, "account", "account_invalid"),
        ({"agreement_accepted": "false"}, "agreement_accepted", "agreement_required"),
        ({"agreement_version": "1999"}, "agreement_version", "agreement_version_invalid"),
    ]
    for change, field, code in cases:
        response = await client.post(
            "/v1/payment-methods/pad",
            data=pad_form(**change),
            files={"specimen": ("c.pdf", PDF, "application/pdf")},
            headers=user.headers,
        )
        assert response.status_code == 422, change
        assert (response.json()["field"], response.json()["errors"][0]["code"]) == (field, code)
    for account in ("1234567", "123456789012"):
        response = await client.post(
            "/v1/payment-methods/pad",
            data=pad_form(account=account),
            files={"specimen": ("c.png", PNG, "image/png")},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text


async def test_uploads_checked_by_content_and_size(
    client: httpx.AsyncClient, users: UserFactory, specimen_dir: Path
) -> None:
    user = await users()
    before = set(specimen_dir.iterdir())
    executable = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    oversize = pdf_of_size(5 * 1024 * 1024 + 1)
    cases = [
        (executable, "cheque.pdf", "specimen_type"),
        (svg, "cheque.svg", "specimen_type"),
        (svg, "cheque.png", "specimen_type"),
        (oversize, "cheque.pdf", "specimen_too_large"),
    ]
    for content, name, code in cases:
        response = await add_pad(client, user, content, name)
        assert response.status_code == 422, name
        assert response.json()["errors"][0]["code"] == code
    exactly_5_mb = pdf_of_size(5 * 1024 * 1024)
    assert (await add_pad(client, user, exactly_5_mb)).status_code == 201
    assert len(set(specimen_dir.iterdir()) - before) == 1
    listed = await client.get("/v1/payment-methods", headers=user.headers)
    assert len(listed.json()) == 1


async def test_methods_are_scoped_to_their_owner(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    owner, other = await users(), await users()
    card = await add_card(client, owner)
    assert (await client.get("/v1/payment-methods", headers=other.headers)).json() == []
    url = f"/v1/payment-methods/{card['id']}"
    missing = await client.delete("/v1/payment-methods/nope", headers=other.headers)
    foreign = await client.delete(url, headers=other.headers)
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert foreign.status_code == 404
    assert (await client.get("/v1/payment-methods")).status_code == 401


async def test_no_card_number_anywhere_in_the_database(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    for number in (VISA, MASTERCARD, AMEX):
        await add_card(client, user, number)
    await client.post(
        CARD, json=await card_body(client, DECLINED_AT_TOKENISE), headers=user.headers
    )
    entered = (VISA, MASTERCARD, AMEX, DECLINED_AT_TOKENISE)
    engine = make_engine(payments.settings.database_url)
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
            scanned = 0
            for table, columns in tables.items():
                for column in columns:
                    rows = await conn.execute(text(f'SELECT "{column}" FROM "{table}"'))
                    for (value,) in rows:
                        scanned += 1
                        stored = GENERATED_ID.sub(" ", str(value or ""))
                        assert not contains_card_number(stored), (table, column)
                        assert not any(n.replace(" ", "") in stored for n in entered)
            cards = await conn.execute(
                select(PaymentMethod.last4).where(PaymentMethod.account_id == user.id)
            )
            assert sorted(r[0] for r in cards) == ["0005", "4242", "4444"]
    finally:
        await engine.dispose()
    assert "payment_methods" in tables and "sandbox_cards" in tables and scanned > 0
