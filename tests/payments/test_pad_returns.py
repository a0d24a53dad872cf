"""The bank's CPA-005 returns file through the operators' API, on the session's real database:
each returned debit reverses its payment once; the same file twice changes nothing; a file with
an item that traces to no debit of ours is refused whole, naming the line."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from servicekit.db import transaction
from services.payments.models import Invoice, LedgerEntry
from tests.payments.factories import (
    PDF,
    PaymentsStack,
    add_card,
    add_pad,
    balance,
    charge,
    charge_body,
    pad_form,
)
from tests.payments.returns_files import debit_segments, returned, returns_file, returns_of
from tests.payments.test_export_jobs import _completed_at
from tests.subscriptions.factories import User, UserFactory

RETURNS = "/v1/operator/pad-returns"
CPA005 = "/internal/v1/exports/cpa005"


async def _debit_file(
    client: httpx.AsyncClient, payments: PaymentsStack, user: User, day: date, amounts: list[int]
) -> tuple[str, list[dict[str, Any]], str]:
    """PAD debits of `amounts` made on `day`, and the CPA-005 file the nightly export wrote."""
    pad = (await add_pad(client, user)).json()
    made = [await charge(client, payments, charge_body(user, pad["id"], a)) for a in amounts]
    for minute, row in enumerate(made):  # the file lists them in this order
        when = datetime(day.year, day.month, day.day, 16, minute, tzinfo=UTC)
        await _completed_at(payments, row["id"], when)
    answer = await client.post(CPA005, json={"day": day.isoformat()}, headers=payments.internal)
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == len(amounts)
    return Path(answer.json()["path"]).read_bytes().decode("ascii"), made, pad["id"]


async def _upload(client: httpx.AsyncClient, operator: User, text: str) -> httpx.Response:
    files = {"file": ("retours.txt", text.encode("ascii"), "text/plain")}
    return await client.post(RETURNS, files=files, headers=operator.headers)


async def _returns_in_ledger(payments: PaymentsStack, account_id: str) -> int:
    async with transaction(payments.app.state.sessionmaker) as session:
        query = select(func.count()).where(
            LedgerEntry.account_id == account_id, LedgerEntry.kind == "return"
        )
        return int(await session.scalar(query) or 0)


async def _invoice_status(payments: PaymentsStack, invoice_id: str) -> str:
    async with transaction(payments.app.state.sessionmaker) as session:
        invoice = await session.get(Invoice, invoice_id)
        assert invoice is not None
        return invoice.status


async def test_returned_debits_reverse_their_payments_once(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack, export_dir: Path
) -> None:
    user, operator = await users(), await users(role="operator")
    debits, made, pad_id = await _debit_file(
        client, payments, user, date(2031, 6, 10), [6500, 3125, 9900]
    )
    assert await balance(client, user) == 0
    text = returns_of(debits, {0: "901", 2: "905"})

    first = await _upload(client, operator, text)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["duplicate"] is False and body["total_cents"] == 6500 + 9900
    assert [(i["reason_code"], i["amount_cents"], i["line"]) for i in body["items"]] == [
        ("901", 6500, 2),
        ("905", 9900, 2),
    ]
    assert [i["new_details_needed"] for i in body["items"]] == [False, True]
    assert await balance(client, user) == 6500 + 9900
    assert await _invoice_status(payments, made[0]["invoice_id"]) == "unpaid"
    assert await _invoice_status(payments, made[1]["invoice_id"]) == "paid"
    assert await _invoice_status(payments, made[2]["invoice_id"]) == "unpaid"

    again = await _upload(client, operator, text)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["items"] == body["items"]
    assert await balance(client, user) == 6500 + 9900
    assert await _returns_in_ledger(payments, user.id) == 2

    # Another file sending one of the same debits back again changes nothing either.
    segments = debit_segments(debits)
    other = returns_file(debits.split("\r\n", 1)[0], [returned(segments[0], "903", "9" * 22)])
    repeat = await _upload(client, operator, other)
    assert repeat.status_code == 200 and repeat.json()["already_returned"] == 1
    assert await balance(client, user) == 6500 + 9900

    refused = await client.get("/v1/pad-returns/bank-details-refused", headers=user.headers)
    [banner] = refused.json()
    assert (banner["payment_method_id"], banner["reason_code"]) == (pad_id, "905")
    assert banner["account_last4"] == "4567"


async def test_an_item_traced_to_no_debit_refuses_the_whole_file(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack, export_dir: Path
) -> None:
    user, operator = await users(), await users(role="operator")
    debits, made, _ = await _debit_file(client, payments, user, date(2031, 6, 11), [4100, 4200])
    segments = [returned(s, "901", f"{n:022d}") for n, s in enumerate(debit_segments(debits))]
    unknown = segments[1][:150] + "F99999999".ljust(19) + segments[1][169:]
    # Seven items: the unknown one is the first segment of the second J record, line 3.
    text = returns_file(debits.split("\r\n", 1)[0], [segments[0]] * 6 + [unknown])

    answer = await _upload(client, operator, text)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["error"] == "return_item_unknown"
    assert problem["details"]["line"] == 3 and problem["details"]["cross_reference"] == "F99999999"
    assert problem["message"]["fr"] and problem["message"]["en"]
    assert await balance(client, user) == 0  # the known item before it was not applied
    assert await _returns_in_ledger(payments, user.id) == 0
    assert await _invoice_status(payments, made[0]["invoice_id"]) == "paid"


async def test_a_file_that_is_not_a_returns_file_is_refused_naming_the_line(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack, export_dir: Path
) -> None:
    user, operator = await users(), await users(role="operator")
    debits, _, _ = await _debit_file(client, payments, user, date(2031, 6, 12), [5000])
    as_sent = await _upload(client, operator, debits)  # the debit file itself: D, not J
    assert as_sent.status_code == 422
    assert as_sent.json()["error"] == "returns_file_invalid"
    assert as_sent.json()["field"] == "record_type"
    assert as_sent.json()["details"] == {"line": 2, "problem": "'D', expected J"}
    as_user = await _upload(client, user, returns_of(debits, {0: "901"}))
    assert as_user.status_code == 403
    assert await balance(client, user) == 0


async def test_new_banking_details_replace_only_a_bank_account_of_the_caller(
    client: httpx.AsyncClient, users: UserFactory, payments: PaymentsStack
) -> None:
    user, other = await users(), await users()
    pad = (await add_pad(client, user)).json()
    card = await add_card(client, user)
    files = {"specimen": ("cheque.pdf", PDF, "application/pdf")}
    new = pad_form(account="7654321098")
    path = f"/v1/payment-methods/{pad['id']}/pad"

    not_theirs = await client.put(path, data=new, files=files, headers=other.headers)
    assert not_theirs.status_code == 404
    a_card = await client.put(
        f"/v1/payment-methods/{card['id']}/pad", data=new, files=files, headers=user.headers
    )
    assert (a_card.status_code, a_card.json()["error"]) == (409, "not_a_bank_account")
    no_specimen = await client.put(path, data=new, headers=user.headers)
    assert (no_specimen.status_code, no_specimen.json()["field"]) == (422, "specimen")
    replaced = await client.put(path, data=new, files=files, headers=user.headers)
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["id"], replaced.json()["account_last4"]) == (pad["id"], "1098")
