"""Bank account numbers sealed at rest: the box, the stored row, the CPA-005 export and the
migration that seals the rows written in clear before it."""

import asyncio
import base64
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import text, update
from sqlalchemy.engine import make_url

from servicekit.db import make_engine, transaction
from servicekit.migrate import alembic_config
from servicekit.secrets_box import SecretBox, SecretBoxError
from services.payments.config import DEV_DATA_KEY, data_box
from services.payments.models import Charge, PaymentMethod
from tests.payments.factories import PDF, PaymentsStack, charge, charge_body, pad_form
from tests.subscriptions.factories import UserFactory

OTHER_KEY = base64.b64encode(b"another-32-byte-key-for-tests!!!").decode()
ACCOUNT = "918273645"  # digits that appear in no other fixture
CPA005 = "/internal/v1/exports/cpa005"


# The box ---------------------------------------------------------------------------------------


def test_sealed_text_names_its_key_and_opens_back() -> None:
    box = SecretBox(DEV_DATA_KEY, "payments-v1")
    sealed, again = box.seal(ACCOUNT), box.seal(ACCOUNT)
    version, key_id, body = sealed.split(":")
    assert (version, key_id) == ("v1", "payments-v1")
    assert len(base64.b64decode(body)) == 12 + len(ACCOUNT) + 16  # nonce, text, GCM tag
    assert sealed != again and ACCOUNT not in sealed  # a fresh nonce each time
    assert box.open(sealed) == box.open(again) == ACCOUNT


def test_another_key_id_or_an_altered_text_is_refused() -> None:
    box = SecretBox(DEV_DATA_KEY, "payments-v1")
    sealed = box.seal(ACCOUNT)
    _, _, body = sealed.split(":")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    flipped = f"v1:payments-v1:{base64.b64encode(bytes(raw)).decode()}"
    relabelled = sealed.replace("payments-v1", "payments-v2")
    with pytest.raises(SecretBoxError, match="unknown data key id 'payments-v2'"):
        box.open(relabelled)
    with pytest.raises(SecretBoxError, match="altered"):  # the key id is authenticated
        SecretBox(DEV_DATA_KEY, "payments-v2").open(relabelled)
    with pytest.raises(SecretBoxError, match="altered"):  # same id, another key
        SecretBox(OTHER_KEY, "payments-v1").open(sealed)
    for bad in (flipped, sealed[:-4] + "AAA=", "v1:payments-v1:***", ACCOUNT, "v2" + sealed[2:]):
        with pytest.raises(SecretBoxError):
            box.open(bad)


@pytest.mark.parametrize(
    ("key", "key_id"),
    [("not base64!", "k"), (base64.b64encode(b"short").decode(), "k"), (DEV_DATA_KEY, "a:b")],
)
def test_a_malformed_key_or_key_id_is_refused(key: str, key_id: str) -> None:
    with pytest.raises(ValueError):
        SecretBox(key, key_id)


# The stored row and the export -----------------------------------------------------------------


async def _stored(payments: PaymentsStack, method_id: str) -> dict[str, Any]:
    """The row as the database holds it, read without the model."""
    async with transaction(payments.app.state.sessionmaker) as session:
        found = await session.execute(
            text("SELECT * FROM payment_methods WHERE id = :id"), {"id": method_id}
        )
        return dict(found.mappings().one())


async def _add_pad(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(
        "/v1/payment-methods/pad",
        data=pad_form(account=ACCOUNT),
        files={"specimen": ("cheque.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_stored_row_holds_the_number_sealed_and_its_last_4(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user = await users()
    method = await _add_pad(client, user.headers)
    assert method["account_last4"] == "3645"
    row = await _stored(payments, method["id"])
    assert "account_number" not in row
    assert not any(ACCOUNT in str(value) for value in row.values())
    assert row["account_last4"] == "3645"
    assert row["account_number_encrypted"].startswith("v1:payments-v1:")
    assert data_box(payments.settings).open(row["account_number_encrypted"]) == ACCOUNT
    internal = await client.get(
        f"/internal/v1/payment-methods/{method['id']}",
        params={"account_id": user.id},
        headers=payments.internal,
    )
    assert internal.json()["account_last4"] == "3645" and ACCOUNT not in internal.text

    deleted = await client.delete(f"/v1/payment-methods/{method['id']}", headers=user.headers)
    assert deleted.status_code == 204
    gone = await _stored(payments, method["id"])
    assert (gone["account_number_encrypted"], gone["account_last4"]) == (None, None)


async def test_the_cpa005_file_opens_the_number_and_names_a_row_it_cannot_open(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack, export_dir: Path
) -> None:
    day = date(2031, 8, 21)  # a day no other test charges on
    user = await users()
    method = await _add_pad(client, user.headers)
    made = await charge(client, payments, charge_body(user, method["id"], 4200))
    async with transaction(payments.app.state.sessionmaker) as session:
        await session.execute(
            update(Charge)
            .where(Charge.id == made["id"])
            .values(completed_at=datetime(2031, 8, 21, 16, 0, tzinfo=UTC))
        )
    answer = await client.post(CPA005, json={"day": day.isoformat()}, headers=payments.internal)
    assert answer.status_code == 200, answer.text
    content = Path(answer.json()["path"]).read_text("ascii")
    assert "081530000" + ACCOUNT in content  # 0, institution, transit, the full number

    foreign = SecretBox(OTHER_KEY, "payments-v1").seal(ACCOUNT)
    async with transaction(payments.app.state.sessionmaker) as session:
        await session.execute(
            update(PaymentMethod)
            .where(PaymentMethod.id == method["id"])
            .values(account_number_encrypted=foreign)
        )
    refused = await client.post(CPA005, json={"day": day.isoformat()}, headers=payments.internal)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "export_data_invalid"
    assert "bank_account_unreadable" in refused.text and made["id"] in refused.text
    assert ACCOUNT not in refused.text and foreign not in refused.text


# The migration ---------------------------------------------------------------------------------


def _execute(url: str, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql), params or {})
                return [dict(r) for r in result.mappings()] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _admin(server_url: str, statement: str) -> None:
    async def run() -> None:
        engine = make_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated by the test (PostgreSQL only with TEST_DATABASE_URL)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}"
        return
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("TEST_DATABASE_URL not set")
    name = f"test_0006_{uuid.uuid4().hex[:8]}"
    _admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_0006_seals_the_numbers_written_in_clear_and_0005_gets_them_back(
    empty_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYMENTS_DATA_KEY", OTHER_KEY)
    monkeypatch.setenv("PAYMENTS_DATA_KEY_ID", "migration-test")
    config = alembic_config("payments", empty_database)
    command.upgrade(config, "0005")
    insert = (
        "INSERT INTO payment_methods (id, account_id, kind, holder_name, institution, transit,"
        " account_number, created_at, updated_at) VALUES (:id, 'acct', :kind, 'Léa', :inst,"
        " :transit, :number, :now, :now)"
    )
    now = datetime.now(UTC)
    for method_id, kind, number in (("pad", "pad", ACCOUNT), ("card", "card", None)):
        bank = (None, None) if number is None else ("815", "30000")
        values = {"id": method_id, "kind": kind, "number": number, "now": now}
        _execute(empty_database, insert, values | {"inst": bank[0], "transit": bank[1]})

    command.upgrade(config, "head")
    query = "SELECT * FROM payment_methods ORDER BY id"
    card, pad = _execute(empty_database, query)
    assert "account_number" not in pad
    assert not any(ACCOUNT in str(value) for value in pad.values())
    assert pad["account_last4"] == "3645"
    assert pad["account_number_encrypted"].startswith("v1:migration-test:")
    assert SecretBox(OTHER_KEY, "migration-test").open(pad["account_number_encrypted"]) == ACCOUNT
    with pytest.raises(SecretBoxError):
        SecretBox(DEV_DATA_KEY, "payments-v1").open(pad["account_number_encrypted"])
    assert (card["account_number_encrypted"], card["account_last4"]) == (None, None)

    command.downgrade(config, "0005")
    card, pad = _execute(empty_database, query)
    assert (pad["account_number"], card["account_number"]) == (ACCOUNT, None)
    assert "account_number_encrypted" not in pad and "account_last4" not in pad
