"""Reading the bank's CPA-005 returns file: the pre-authorized debits it sends back.

Pure: text in, typed items out, or a `ReturnsFormatError` naming the line (the physical line of
the file, 1 for the A header) and the field. Nothing here touches the database.

The format we read
------------------
Sources: Payments Canada Standard 005 ("Standards for the Exchange of Financial Data on AFT
Files") logical record types, as our writer (`services/payments/exports/cpa005.py`) documents
them, and the Payments Canada return reason codes (Rule H1 for PADs;
`servicekit/pad_return_reasons.py`). The text of Standard 005 is distributed to members and
their clients; the layout below was not checked against a bank's returns file, and the position
of the return reason (element 10) is the one point banks' returns layouts place differently:
confirm it with the bank before go-live.

* Same frame as the debit file: an ``A`` header, logical records of 1464 characters separated
  by CR LF (an unbroken stream is accepted too), a ``Z`` trailer; each record's count
  (positions 2-10) runs 1, 2, 3...
* Returned debits are logical record type ``J`` (Standard 005: ``I`` returned credits, ``J``
  returned debits). A ``J`` record is the 24-character prefix then up to six 240-character
  segments with the elements of our ``D`` segments, echoed from the original debit:

  =====  ===============  ====  ====================================================
  Elem   In the segment   Size  Content
  =====  ===============  ====  ====================================================
  04     1-3              3     Transaction type (450)
  05     4-13             10    Amount in cents
  06     14-19            6     Due date of the original debit, ``0YYDDD``
  07     20-28            9     ``0`` + payor's institution (3) + transit (5)
  08     29-40            12    Payor's account number
  09     41-62            22    Item trace number (the processing institution's)
  10     63-65            3     Return reason code (901 NSF, 905 account closed...)
  15     151-169          19    Originator's cross reference: our invoice number
  =====  ===============  ====  ====================================================

* The ``Z`` trailer's elements 04-05 (positions 25-38 and 39-46) hold the total value and the
  number of the returned debits; they must match the segments.
* A debit of ours is known by its cross reference (the invoice number we wrote) and its due
  date (the day of the file that carried it): that pair is the *trace* a return is matched on.
  The bank's item trace number is kept for the audit and for the bank's own questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from services.payments.exports.cpa005 import (
    CRLF,
    PREFIX_LENGTH,
    RECORD_LENGTH,
    SEGMENT_LENGTH,
    SEGMENTS_PER_RECORD,
)

RETURNED_DEBIT = "J"
RETURNED_CREDIT = "I"
_DIGITS = re.compile(r"\d+")
_JULIAN = re.compile(r"0(\d{2})(\d{3})")


class ReturnsFormatError(ValueError):
    """The file is not a returns file we can read; `line` and `field` say where."""

    def __init__(self, line: int, field: str, problem: str) -> None:
        super().__init__(f"line {line}, {field}: {problem}")
        self.line, self.field, self.problem = line, field, problem


@dataclass(frozen=True, slots=True)
class ReturnedDebit:
    """One returned debit, with where it stands in the file."""

    line: int
    segment: int  # 1-6 within its J record
    amount_cents: int
    due_date: date
    institution: str
    transit: str
    trace_number: str
    reason_code: str
    cross_reference: str


@dataclass(frozen=True, slots=True)
class ReturnsFile:
    originator_id: str
    file_creation_number: str
    created_on: date
    items: tuple[ReturnedDebit, ...]


def from_julian(value: str, line: int, field: str) -> date:
    """``0YYDDD`` -> the day (2028-02-29 from ``028060``)."""
    found = _JULIAN.fullmatch(value)
    if found is None:
        raise ReturnsFormatError(line, field, f"{value!r} is not a 0YYDDD date")
    year, day = 2000 + int(found.group(1)), int(found.group(2))
    first = date(year, 1, 1)
    if not 1 <= day <= (date(year + 1, 1, 1) - first).days:
        raise ReturnsFormatError(line, field, f"{value!r}: day {day} is not in {year}")
    return first + timedelta(days=day - 1)


def _number(value: str, line: int, field: str) -> int:
    if not _DIGITS.fullmatch(value):
        raise ReturnsFormatError(line, field, f"{value!r} is not a number")
    return int(value)


def split_records(text: str) -> list[str]:
    """The logical records: CR LF separated, or one unbroken stream of 1464-character records."""
    if CRLF in text or "\n" in text:
        return [r.rstrip("\r") for r in text.split("\n") if r.rstrip("\r")]
    return [text[i : i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]


def _segment(seg: str, line: int, index: int) -> ReturnedDebit:
    institution_id = seg[19:28]
    if not re.fullmatch(r"0\d{8}", institution_id):
        raise ReturnsFormatError(line, "institution", f"{institution_id!r} is not 0 + 8 digits")
    reason = seg[62:65]
    if not re.fullmatch(r"\d{3}", reason):
        raise ReturnsFormatError(line, "reason_code", f"{reason!r} is not a 3-digit code")
    reference = seg[150:169].strip()
    if not reference:
        raise ReturnsFormatError(line, "cross_reference", "blank: the debit cannot be traced")
    amount = _number(seg[3:13], line, "amount")
    if amount <= 0:
        raise ReturnsFormatError(line, "amount", "must be more than zero")
    return ReturnedDebit(
        line=line,
        segment=index + 1,
        amount_cents=amount,
        due_date=from_julian(seg[13:19], line, "due_date"),
        institution=institution_id[1:4],
        transit=institution_id[4:9],
        trace_number=seg[40:62].strip(),
        reason_code=reason,
        cross_reference=reference,
    )


def _items(record: str, line: int) -> list[ReturnedDebit]:
    if record[0] == RETURNED_CREDIT:
        raise ReturnsFormatError(line, "record_type", "returned credits (I): we send no credits")
    if record[0] != RETURNED_DEBIT:
        raise ReturnsFormatError(line, "record_type", f"{record[0]!r}, expected J")
    items: list[ReturnedDebit] = []
    for s in range(SEGMENTS_PER_RECORD):
        seg = record[PREFIX_LENGTH + s * SEGMENT_LENGTH :][:SEGMENT_LENGTH]
        if not seg.strip():
            break  # Standard 005: once a segment is blank, every later one is
        items.append(_segment(seg, line, s))
    if not items:
        raise ReturnsFormatError(line, "segment", "a J record without any returned debit")
    return items


def _check_frame(records: list[str]) -> None:
    if not records or records[0][:1] != "A":
        raise ReturnsFormatError(1, "record_type", "the file must start with an A record")
    if records[-1][:1] != "Z":
        raise ReturnsFormatError(len(records), "record_type", "the file must end with Z")
    for line, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH:
            raise ReturnsFormatError(line, "record", f"{len(record)} characters, not 1464")
        if record[1:10] != f"{line:09d}":
            raise ReturnsFormatError(line, "record_count", f"{record[1:10]!r}, expected {line}")


def _check_trailer(z: str, line: int, items: list[ReturnedDebit]) -> None:
    cents = _number(z[24:38], line, "total_value")
    count = _number(z[38:46], line, "total_number")
    found = (len(items), sum(i.amount_cents for i in items))
    if (count, cents) != found:
        raise ReturnsFormatError(
            line, "trailer", f"{count} items / {cents} cents, records hold {found[0]} / {found[1]}"
        )


def parse_returns(text: str) -> ReturnsFile:
    """Every returned debit of the file, after its frame and trailer are checked."""
    records = split_records(text)
    _check_frame(records)
    items = [item for n, r in enumerate(records[1:-1], start=2) for item in _items(r, n)]
    _check_trailer(records[-1], len(records), items)
    header = records[0]
    return ReturnsFile(
        originator_id=header[10:20].strip(),
        file_creation_number=header[20:24],
        created_on=from_julian(header[24:30], 1, "creation_date"),
        items=tuple(items),
    )
