"""Reading the bank's CPA-005 returns file (pure): a file built from a debit file our writer
made, sent back as J records; each defect refused with its line and field."""

from dataclasses import replace
from datetime import date

import pytest

from services.payments.exports import Debit, Originator, build_cpa005
from services.payments.returns.cpa005_returns import ReturnsFormatError, parse_returns
from tests.payments.returns_files import debit_segments, returned, returns_file, returns_of

ORIGINATOR = Originator(
    originator_id="SPAQ000001",
    short_name="SPAQ",
    long_name="Société parc-auto du Québec",
    return_institution="815",
    return_transit="30000",
    return_account="1234567",
    file_creation_number=42,
    destination_data_centre="81510",
)
DEBIT = Debit(
    amount_cents=6500,
    payor_name="Léa Tremblay",
    institution="006",
    transit="12345",
    account="987654321",
    cross_reference="F00000042",
    due_date=date(2028, 2, 29),
)
DEBITS = build_cpa005(
    ORIGINATOR,
    [replace(DEBIT, amount_cents=6500 + i, cross_reference=f"F{i:08d}") for i in range(8)],
    date(2028, 2, 29),
)


def test_returned_debits_are_read_with_their_trace_and_reason() -> None:
    parsed = parse_returns(returns_of(DEBITS, {0: "901", 6: "905", 7: "912"}))

    assert (parsed.originator_id, parsed.file_creation_number) == ("SPAQ000001", "0777")
    assert [(i.line, i.segment) for i in parsed.items] == [(2, 1), (2, 2), (2, 3)]
    first = parsed.items[0]
    assert (first.cross_reference, first.amount_cents, first.reason_code) == (
        "F00000000",
        6500,
        "901",
    )
    assert first.due_date == date(2028, 2, 29)  # 028060
    assert (first.institution, first.transit) == ("006", "12345")
    assert first.trace_number == f"{1:022d}"
    assert [i.reason_code for i in parsed.items] == ["901", "905", "912"]


def test_an_unbroken_stream_reads_the_same() -> None:
    text = returns_of(DEBITS, {1: "903"})
    assert parse_returns(text.replace("\r\n", "")) == parse_returns(text)


def test_seven_returns_take_two_j_records() -> None:
    text = returns_of(DEBITS, dict.fromkeys(range(7), "901"))
    assert [i.line for i in parse_returns(text).items] == [2] * 6 + [3]


def _problem(text: str) -> tuple[int, str]:
    with pytest.raises(ReturnsFormatError) as caught:
        parse_returns(text)
    return caught.value.line, caught.value.field


def test_defects_name_their_line_and_field() -> None:
    good = returns_of(DEBITS, {0: "901", 1: "905"})
    records = good.split("\r\n")
    header = DEBITS.split("\r\n", 1)[0]
    segments = debit_segments(DEBITS)

    assert _problem(DEBITS) == (2, "record_type")  # our debit file, not a returns file
    assert _problem(good.replace("J000000002", "I000000002")) == (2, "record_type")
    assert _problem(records[0][:100] + "\r\n" + "\r\n".join(records[1:])) == (1, "record")
    short_trailer = records[-2][:24] + "00000000000001" + records[-2][38:]
    assert _problem("\r\n".join([*records[:-2], short_trailer, ""])) == (3, "trailer")
    bad_reason = returned(segments[0], "9X1", "1")
    assert _problem(returns_file(header, [bad_reason])) == (2, "reason_code")
    no_reference = segments[0][:150] + " " * 19 + segments[0][169:]
    assert _problem(returns_file(header, [returned(no_reference, "901", "1")])) == (
        2,
        "cross_reference",
    )
    bad_date = segments[0][:13] + "028367" + segments[0][19:]  # 2028 has 366 days
    assert _problem(returns_file(header, [returned(bad_date, "901", "1")])) == (2, "due_date")
