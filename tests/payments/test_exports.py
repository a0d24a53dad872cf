"""CPA Standard 005 and payroll-deduction exports (pure, no database)."""

import csv
import io
from dataclasses import replace
from datetime import date

import pytest

from services.payments.exports import (
    Debit,
    Originator,
    PayrollDeduction,
    build_cpa005,
    build_payroll_exports,
    read_totals,
)
from services.payments.exports.cpa005 import RECORD_LENGTH, build_records, julian

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
CREATED = date(2028, 3, 1)


def debit(i: int = 0, /, **changes: object) -> Debit:
    base = Debit(
        amount_cents=10_000 + i,
        payor_name=f"Payeur {i}",
        institution="006",
        transit="12345",
        account="987654321",
        cross_reference=f"C-2028-{i:05d}",
        due_date=date(2028, 3, 2),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def records(text: str) -> list[str]:
    assert text.endswith("\r\n")
    return text.split("\r\n")[:-1]


def segments(record: str) -> list[str]:
    return [record[24 + 240 * s : 24 + 240 * (s + 1)] for s in range(6)]


# -- CPA-005 structure ---------------------------------------------------------------------


@pytest.mark.parametrize(("n", "d_records"), [(0, 0), (1, 1), (6, 1), (7, 2), (100, 17)])
def test_records_lengths_order_and_trailer_totals(n: int, d_records: int) -> None:
    debits = [debit(i) for i in range(n)]
    lines = records(build_cpa005(ORIGINATOR, debits, CREATED))

    assert all(len(line) == RECORD_LENGTH for line in lines)
    assert [line[0] for line in lines] == ["A"] + ["D"] * d_records + ["Z"]
    assert [int(line[1:10]) for line in lines] == list(range(1, len(lines) + 1))

    z = lines[-1]
    assert int(z[24:38]) == sum(d.amount_cents for d in debits)  # total value of debits
    assert int(z[38:46]) == n  # number of debit transactions, not of D records
    assert z[46:112] == "0" * 66  # credits and error corrections
    assert z[112:] == " " * 1352

    filled = [seg for line in lines[1:-1] for seg in segments(line) if seg.strip()]
    assert len(filled) == n
    assert [int(seg[3:13]) for seg in filled] == [d.amount_cents for d in debits]
    totals = read_totals(build_cpa005(ORIGINATOR, debits, CREATED))
    assert (totals.records, totals.debit_count) == (len(lines), n)


def test_seven_debits_fill_one_record_then_one_segment_of_the_next() -> None:
    lines = records(build_cpa005(ORIGINATOR, [debit(i) for i in range(7)], CREATED))
    first, second = segments(lines[1]), segments(lines[2])
    assert all(seg.strip() for seg in first)
    assert second[0].strip() and not "".join(second[1:]).strip()
    assert lines[2][24 + 240 :] == " " * (RECORD_LENGTH - 24 - 240)


def test_header_fields() -> None:
    a = records(build_cpa005(ORIGINATOR, [debit()], CREATED))[0]
    assert a[0:10] == "A000000001"
    assert a[10:20] == "SPAQ000001"
    assert a[20:24] == "0042"
    assert a[24:30] == "028061"  # 2028-03-01, leap year
    assert a[30:35] == "81510"
    assert a[35:55] == " " * 20
    assert a[55:58] == "CAD"
    assert a[58:] == " " * 1406


def test_debit_segment_fields() -> None:
    d = records(build_cpa005(ORIGINATOR, [debit(7, amount_cents=12_345)], CREATED))[1]
    assert d[0:24] == "D000000002SPAQ0000010042"
    seg = d[24:264]
    assert seg[0:3] == "450"
    assert seg[3:13] == "0000012345"
    assert seg[13:19] == "028062"
    assert seg[19:28] == "000612345"
    assert seg[28:40] == "987654321   "
    assert seg[40:62] == "0" * 22
    assert seg[62:65] == "000"
    assert seg[65:80] == "SPAQ".ljust(15)
    assert seg[80:110] == "PAYEUR 7".ljust(30)
    assert seg[110:140] == "SOCIETE PARC-AUTO DU QUEBEC".ljust(30)
    assert seg[140:150] == "SPAQ000001"
    assert seg[150:169] == "C-2028-00007".ljust(19)
    assert seg[169:178] == "081530000"
    assert seg[178:190] == "1234567".ljust(12)
    assert seg[190:229] == " " * 39
    assert seg[229:240] == "0" * 11


def test_no_separator_gives_one_stream_of_1464_blocks() -> None:
    text = build_cpa005(ORIGINATOR, [debit(i) for i in range(8)], CREATED, record_separator="")
    assert len(text) == 4 * RECORD_LENGTH
    assert read_totals(text).debit_count == 8


# -- dates, text, refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2028, 2, 29), "028060"),
        (date(2027, 1, 1), "027001"),
        (date(2027, 12, 31), "027365"),
        (date(2028, 12, 31), "028366"),
    ],
)
def test_julian_dates(day: date, expected: str) -> None:
    assert julian(day) == expected


def test_dates_outside_the_century_are_refused() -> None:
    with pytest.raises(ValueError, match="due_date"):
        build_cpa005(ORIGINATOR, [debit(due_date=date(2100, 1, 1))], CREATED)


def test_accents_stripped_and_uppercased() -> None:
    payor = "Éloïse Côté-Lefèvre Œuvre"
    seg = records(build_cpa005(ORIGINATOR, [debit(payor_name=payor)], CREATED))[1][24:264]
    assert seg[80:110] == "ELOISE COTE-LEFEVRE OEUVRE".ljust(30)
    text = build_cpa005(ORIGINATOR, [debit(payor_name=payor)], CREATED)
    assert text.isascii()


def test_untransliterable_character_refused() -> None:
    with pytest.raises(ValueError, match=r"payor_name"):
        build_cpa005(ORIGINATOR, [debit(payor_name="李小龍")], CREATED)


@pytest.mark.parametrize(
    ("target", "changes", "field"),
    [
        ("debit", {"payor_name": "A" * 31}, "debits[0].payor_name"),
        ("debit", {"cross_reference": "X" * 20}, "debits[0].cross_reference"),
        ("debit", {"amount_cents": 10**10}, "debits[0].amount_cents"),
        ("debit", {"amount_cents": 0}, "debits[0].amount_cents"),
        ("debit", {"institution": "06"}, "debits[0].institution"),
        ("debit", {"transit": "123456"}, "debits[0].transit"),
        ("debit", {"account": "1234567890123"}, "debits[0].account"),
        ("debit", {"payor_name": "   "}, "debits[0].payor_name"),
        ("originator", {"short_name": "S" * 16}, "originator.short_name"),
        ("originator", {"long_name": "L" * 31}, "originator.long_name"),
        ("originator", {"originator_id": "SPAQ0000012"}, "originator.originator_id"),
        ("originator", {"file_creation_number": 10_000}, "originator.file_creation_number"),
        ("originator", {"destination_data_centre": "123456"}, "originator.destination_data_centre"),
        ("originator", {"return_account": "123"}, "originator.return_account"),
    ],
)
def test_too_long_or_malformed_field_is_refused_not_truncated(
    target: str, changes: dict[str, object], field: str
) -> None:
    originator = replace(ORIGINATOR, **changes) if target == "originator" else ORIGINATOR  # type: ignore[arg-type]
    debits = [debit(**changes)] if target == "debit" else [debit()]
    with pytest.raises(ValueError) as excinfo:
        build_cpa005(originator, debits, CREATED)
    assert str(excinfo.value).startswith(field)


def test_accent_stripping_counts_towards_length() -> None:
    # "Œ" becomes two letters: 29 characters in, 30 out, still fits; 30 in, 31 out, refused.
    build_cpa005(ORIGINATOR, [debit(payor_name="Œ" + "A" * 28)], CREATED)
    with pytest.raises(ValueError, match="payor_name"):
        build_cpa005(ORIGINATOR, [debit(payor_name="Œ" + "A" * 29)], CREATED)


def test_read_totals_rejects_a_tampered_trailer() -> None:
    lines = build_records(ORIGINATOR, [debit(i) for i in range(3)], CREATED)
    z = lines[-1]
    lines[-1] = z[:24] + f"{int(z[24:38]) + 1:014d}" + z[38:]
    with pytest.raises(ValueError, match="trailer"):
        read_totals("\r\n".join(lines) + "\r\n")


# -- payroll -------------------------------------------------------------------------------


def deduction(
    establishment: str, employee: str, last: str, first: str, cents: int
) -> PayrollDeduction:
    return PayrollDeduction(
        establishment=establishment,
        employee_number=employee,
        last_name=last,
        first_name=first,
        contract_number=f"C-{employee}",
        amount_cents=cents,
        period="2028-02",
    )


def test_payroll_csv_per_establishment_parses_back() -> None:
    items = [
        deduction("CHU de Québec", "E2", "Tremblay", "Gaétan", 4_500),
        deduction("Université Laval", "U1", "Côté", "Hélène", 6_000),
        deduction("CHU de Québec", "E1", "Bélanger", 'Zoé, "Zo"', 4_500),
    ]
    files = build_payroll_exports(items)
    assert list(files) == ["CHU de Québec", "Université Laval"]

    chu = list(csv.DictReader(io.StringIO(files["CHU de Québec"], newline="")))
    assert [r["employee_number"] for r in chu] == ["E1", "E2"]  # sorted by last name
    assert chu[0] == {
        "employee_number": "E1",
        "last_name": "Bélanger",
        "first_name": 'Zoé, "Zo"',
        "contract_number": "C-E1",
        "amount_cents": "4500",
        "period": "2028-02",
    }
    header = files["Université Laval"].split("\r\n")[0]
    assert header == "employee_number,last_name,first_name,contract_number,amount_cents,period"
    laval = list(csv.DictReader(io.StringIO(files["Université Laval"], newline="")))
    assert [(r["last_name"], r["first_name"]) for r in laval] == [("Côté", "Hélène")]
    assert files["Université Laval"].encode("utf-8").decode("utf-8") == files["Université Laval"]


def test_payroll_empty_input_gives_no_files() -> None:
    assert build_payroll_exports([]) == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"last_name": '=HYPERLINK("x")'}, "deductions[0].last_name"),
        ({"first_name": "  "}, "deductions[0].first_name"),
        ({"amount_cents": 0}, "deductions[0].amount_cents"),
        ({"period": "2028-13"}, "deductions[0].period"),
        ({"establishment": ""}, "deductions[0].establishment"),
        ({"contract_number": "C\n1"}, "deductions[0].contract_number"),
    ],
)
def test_payroll_refuses_bad_fields(changes: dict[str, object], field: str) -> None:
    item = replace(deduction("CHU", "E1", "Roy", "Luc", 100), **changes)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as excinfo:
        build_payroll_exports([item])
    assert str(excinfo.value).startswith(field)
