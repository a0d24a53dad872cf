"""Claim notices through the API: operators issue, anyone finds and pays once, receipts, /mine."""

import io
from datetime import timedelta
from typing import Any

import httpx
from pypdf import PdfReader

from servicekit.clock import today
from tests.payments.conftest import NoticeFactory
from tests.payments.factories import DECLINED_AT_TOKENISE, DECLINES_CHARGES, VISA, card_body
from tests.subscriptions.factories import UserFactory, add_vehicle
from tests.support.service_rows import add_active_subscription


async def pay_body(
    client: httpx.AsyncClient, notice: dict[str, Any], number: str = VISA, **changes: Any
) -> dict:
    return {
        "number": notice["number"],
        "plate": notice["plate"],
        "card": await card_body(client, number),
    } | changes


# Issuing -------------------------------------------------------------------------------------


async def test_an_operator_issues_a_notice(
    client: httpx.AsyncClient, users: UserFactory, notices: NoticeFactory
) -> None:
    operator = await users(role="operator")
    body = notices.body(plate="abc 123-4")
    created = await client.post("/v1/operator/claim-notices", json=body, headers=operator.headers)
    assert created.status_code == 201, created.text
    assert created.json() | {"plate": "ABC123"} == created.json()
    assert created.json()["status"] == "unpaid" and created.json()["amount_cents"] == 4500
    again = await client.post("/v1/operator/claim-notices", json=body, headers=operator.headers)
    assert (again.status_code, again.json()["error"]) == (409, "claim_number_taken")


async def test_only_operators_issue_or_import(
    client: httpx.AsyncClient, users: UserFactory, notices: NoticeFactory
) -> None:
    user = await users()
    body = notices.body()
    anonymous = await client.post("/v1/operator/claim-notices", json=body)
    as_user = await client.post("/v1/operator/claim-notices", json=body, headers=user.headers)
    files = {"file": ("a.csv", _csv([body]), "text/csv")}
    imported = await client.post(
        "/v1/operator/claim-notices/import", files=files, headers=user.headers
    )
    assert (anonymous.status_code, as_user.status_code, imported.status_code) == (401, 403, 403)
    found = await client.post(
        "/v1/claim-notices/lookup", json={"number": body["number"], "plate": body["plate"]}
    )
    assert found.status_code == 404


async def test_bad_fields_are_named(
    client: httpx.AsyncClient, users: UserFactory, notices: NoticeFactory
) -> None:
    operator = await users(role="operator")
    body = notices.body(plate="ABCDEFGH9", amount_cents=0, due_on="2026-09-01")
    answer = await client.post("/v1/operator/claim-notices", json=body, headers=operator.headers)
    assert answer.status_code == 422
    fields = {e["field"]: e["code"] for e in answer.json()["errors"]}
    assert fields["plate"] == "plate_invalid" and fields["amount_cents"] == "greater_than"


def _csv(rows: list[dict[str, Any]], header: str | None = None) -> bytes:
    columns = ["number", "plate", "site_id", "issued_on", "amount_cents", "due_on"]
    lines = [header or ",".join(columns)]
    lines += [",".join(str(row.get(c, "")) for c in columns) for row in rows]
    return ("\n".join(lines) + "\n").encode()


async def test_import_takes_every_line(
    client: httpx.AsyncClient, users: UserFactory, notices: NoticeFactory
) -> None:
    operator = await users(role="operator")
    rows = [notices.body(), notices.body(plate="xyz 987")]
    files = {"file": ("avis.csv", b"\xef\xbb\xbf" + _csv(rows), "text/csv")}
    answer = await client.post(
        "/v1/operator/claim-notices/import", files=files, headers=operator.headers
    )
    assert answer.json() == {"imported": 2, "errors": []}
    found = await client.post(
        "/v1/claim-notices/lookup", json={"number": rows[1]["number"], "plate": "XYZ-987"}
    )
    assert found.status_code == 200 and found.json()["plate"] == "XYZ987"


async def test_import_with_bad_lines_imports_nothing(
    client: httpx.AsyncClient, users: UserFactory, notices: NoticeFactory
) -> None:
    operator = await users(role="operator")
    existing = await notices()
    good = notices.body()
    rows = [
        good,  # line 2
        notices.body(plate="", amount_cents="douze"),  # line 3
        notices.body(issued_on="2026-13-01"),  # line 4
        notices.body(number=good["number"]),  # line 5: twice in the file
        notices.body(number=existing["number"]),  # line 6: already issued
        notices.body(due_on="2026-01-01"),  # line 7: due before issued
    ]
    files = {"file": ("avis.csv", _csv(rows), "text/csv")}
    answer = await client.post(
        "/v1/operator/claim-notices/import", files=files, headers=operator.headers
    )
    assert answer.status_code == 200
    assert answer.json()["imported"] == 0
    errors = {(e["line"], e["field"], e["code"]) for e in answer.json()["errors"]}
    assert errors == {
        (3, "plate", "missing"),
        (3, "amount_cents", "int_parsing"),
        (4, "issued_on", "date_from_datetime_parsing"),
        (5, "number", "duplicate_number"),
        (6, "number", "claim_number_taken"),
        (7, "due_on", "due_before_issue"),
    }
    found = await client.post(
        "/v1/claim-notices/lookup", json={"number": good["number"], "plate": good["plate"]}
    )
    assert found.status_code == 404  # the good line was not imported either


async def test_import_names_missing_columns(client: httpx.AsyncClient, users: UserFactory) -> None:
    operator = await users(role="operator")
    files = {"file": ("avis.csv", b"number,plate\nA1,ABC123\n", "text/csv")}
    answer = await client.post(
        "/v1/operator/claim-notices/import", files=files, headers=operator.headers
    )
    assert answer.json()["imported"] == 0
    missing = {e["field"] for e in answer.json()["errors"] if e["line"] == 1}
    assert missing == {"site_id", "issued_on", "amount_cents", "due_on"}


# Finding -------------------------------------------------------------------------------------


async def test_lookup_needs_number_and_plate_and_gives_no_hint(
    client: httpx.AsyncClient, notices: NoticeFactory
) -> None:
    notice = await notices()
    other = await notices()
    found = await client.post(
        "/v1/claim-notices/lookup",
        json={"number": notice["number"], "plate": notice["plate"].lower()},
    )
    assert found.status_code == 200 and found.json()["status"] == "unpaid"
    attempts = [
        {"number": notice["number"], "plate": other["plate"]},  # wrong plate
        {"number": "AR-NOSUCHONE", "plate": notice["plate"]},  # wrong number
        {"number": other["number"], "plate": notice["plate"]},  # both exist, not together
        {"number": notice["number"], "plate": "not a plate!"},  # unreadable plate
    ]
    answers = [await client.post("/v1/claim-notices/lookup", json=a) for a in attempts]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["error"] == "claim_not_found"


# Paying --------------------------------------------------------------------------------------


async def test_pay_once_then_receipt(client: httpx.AsyncClient, notices: NoticeFactory) -> None:
    notice = await notices(amount_cents=6150)
    paid = await client.post(
        "/v1/claim-notices/pay", json=(await pay_body(client, notice, email="a@example.org"))
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["amount_cents"] == 6150
    # The receipt's number carries the day it was paid in Montréal (not the UTC date).
    assert paid.json()["receipt_number"].startswith(f"RA-{today():%Y%m%d}-")
    found = await client.post(
        "/v1/claim-notices/lookup", json={"number": notice["number"], "plate": notice["plate"]}
    )
    assert found.json()["status"] == "paid" and found.json()["paid_at"]
    twice = await client.post("/v1/claim-notices/pay", json=(await pay_body(client, notice)))
    assert (twice.status_code, twice.json()["error"]) == (409, "claim_already_paid")


async def test_receipt_pdf_french_then_english(
    client: httpx.AsyncClient, notices: NoticeFactory
) -> None:
    notice = await notices(amount_cents=123456)
    paid = (
        await client.post("/v1/claim-notices/pay", json=(await pay_body(client, notice)))
    ).json()
    url = f"/v1/claim-notices/receipts/{paid['receipt_id']}"
    pdf = await client.get(url, params={"plate": notice["plate"]})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert paid["receipt_number"] in text and notice["number"] in text
    assert "Reçu de paiement" in text and "Payment receipt" in text
    assert text.index("Reçu de paiement") < text.index("Payment receipt")
    assert "1 234,56 $" in text.replace("\u00a0", " ") and "$1,234.56" in text
    assert "4242" in text and "4242424242424242" not in text.replace(" ", "")
    wrong = await client.get(url, params={"plate": "ZZZ999"})
    missing = await client.get("/v1/claim-notices/receipts/nope", params={"plate": notice["plate"]})
    assert (wrong.status_code, missing.status_code) == (404, 404)


async def test_a_declined_card_leaves_the_notice_payable(
    client: httpx.AsyncClient, notices: NoticeFactory
) -> None:
    notice = await notices()
    declined = await client.post(
        "/v1/claim-notices/pay", json=(await pay_body(client, notice, DECLINES_CHARGES))
    )
    assert (declined.status_code, declined.json()["error"]) == (402, "card_declined")
    refused = await client.post(
        "/v1/claim-notices/pay", json=(await pay_body(client, notice, DECLINED_AT_TOKENISE))
    )
    assert refused.status_code == 402
    found = await client.post(
        "/v1/claim-notices/lookup", json={"number": notice["number"], "plate": notice["plate"]}
    )
    assert found.json()["status"] == "unpaid"
    paid = await client.post(
        "/v1/claim-notices/pay", json=(await pay_body(client, notice))
    )  # a new attempt
    assert paid.status_code == 200, paid.text


async def test_a_card_number_is_refused_only_a_token_is_taken(
    client: httpx.AsyncClient, notices: NoticeFactory
) -> None:
    notice = await notices()
    body = await pay_body(client, notice)
    cases = {
        "card.number": body["card"] | {"number": VISA},
        "card.card_token": {"holder_name": "Léa Tremblay", "card_token": "4242 4242 4242 4242"},
    }
    for field, card in cases.items():
        answer = await client.post("/v1/claim-notices/pay", json=body | {"card": card})
        assert answer.status_code == 422 and answer.json()["field"] == field, answer.text
        assert "4242" not in answer.text


async def test_a_used_token_is_refused_and_the_notice_stays_payable(
    client: httpx.AsyncClient, notices: NoticeFactory
) -> None:
    notice, used = await notices(), await notices()
    first = await pay_body(client, used)
    assert (await client.post("/v1/claim-notices/pay", json=first)).status_code == 200
    again = await pay_body(client, notice) | {"card": first["card"]}
    answer = await client.post("/v1/claim-notices/pay", json=again)
    assert (answer.status_code, answer.json()["error"]) == (422, "card_token_invalid")
    assert answer.json()["message"]["fr"].startswith("La saisie de la carte a expiré")
    paid = await client.post("/v1/claim-notices/pay", json=await pay_body(client, notice))
    assert paid.status_code == 200, paid.text


async def test_paying_an_unknown_notice_is_404(client: httpx.AsyncClient) -> None:
    body = await pay_body(client, {"number": "AR-NONE", "plate": "ABC123"})
    answer = await client.post("/v1/claim-notices/pay", json=body)
    assert (answer.status_code, answer.json()["error"]) == (404, "claim_not_found")


# Mine ----------------------------------------------------------------------------------------


async def test_a_user_sees_only_the_notices_issued_while_the_plate_was_theirs(
    client: httpx.AsyncClient,
    subscriptions_client: httpx.AsyncClient,
    users: UserFactory,
    notices: NoticeFactory,
    claims: object,
    database_urls: dict[str, str],
) -> None:
    user, other, squatter = await users(), await users(), await users()
    vehicle = await add_vehicle(subscriptions_client, user)
    plate = str(vehicle["plate"])
    before = await notices(plate=plate)  # issued 2026-10-02, before the plate was theirs
    nothing = await client.get("/v1/claim-notices/mine", headers=user.headers)
    assert nothing.status_code == 200 and nothing.json() == []  # no subscription ran yet

    start = today() - timedelta(days=40)
    vehicles = (str(vehicle["id"]),)
    await add_active_subscription(database_urls["subscriptions"], user.id, vehicles, start)
    issued_today = {"issued_on": today().isoformat(), "due_on": "2099-01-01"}
    mine = await notices(plate=plate, **issued_today)
    await notices(**issued_today)  # someone else's plate
    answer = await client.get("/v1/claim-notices/mine", headers=user.headers)
    assert answer.status_code == 200, answer.text
    assert [n["number"] for n in answer.json()] == [mine["number"]]
    assert before["number"] not in answer.text

    # Someone who registers the same plate sees none of the notices issued to it.
    await add_vehicle(subscriptions_client, squatter, plate=plate)
    assert (await client.get("/v1/claim-notices/mine", headers=squatter.headers)).json() == []
    assert (await client.get("/v1/claim-notices/mine", headers=other.headers)).json() == []
    anonymous = await client.get("/v1/claim-notices/mine")
    assert anonymous.status_code == 401
