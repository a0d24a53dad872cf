"""Reading a CPA-005 file back: its structure checked and its trailer totals, as the bank's
intake would (the tests check every file the builder writes with it)."""

from dataclasses import dataclass

from services.payments.exports.cpa005 import (
    CRLF,
    PREFIX_LENGTH,
    RECORD_LENGTH,
    SEGMENT_LENGTH,
    SEGMENTS_PER_RECORD,
)


@dataclass(frozen=True, slots=True)
class Totals:
    records: int
    debit_count: int
    debit_cents: int


def read_totals(text: str) -> Totals:
    """Check a CPA-005 file's structure and return its trailer totals.

    Raises ``ValueError`` if a record is not 1464 characters, the order is not A, D..., Z, the
    record counts are out of sequence, or the trailer disagrees with the D segments.
    """
    records = (
        [r for r in text.split(CRLF) if r]
        if CRLF in text
        else [text[i : i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    )
    if len(records) < 2 or records[0][:1] != "A" or records[-1][:1] != "Z":
        raise ValueError("file: must start with an A record and end with a Z record")
    count = cents = 0
    for number, record in enumerate(records, start=1):
        if len(record) != RECORD_LENGTH:
            raise ValueError(f"record {number}: {len(record)} characters, not {RECORD_LENGTH}")
        if record[1:10] != f"{number:09d}":
            raise ValueError(f"record {number}: logical record count {record[1:10]!r}")
        if 1 < number < len(records):
            if record[0] != "D":
                raise ValueError(f"record {number}: type {record[0]!r}, expected D")
            for s in range(SEGMENTS_PER_RECORD):
                seg = record[PREFIX_LENGTH + s * SEGMENT_LENGTH :][:SEGMENT_LENGTH]
                if seg.strip():
                    count += 1
                    cents += int(seg[3:13])
    z = records[-1]
    totals = Totals(records=len(records), debit_count=int(z[38:46]), debit_cents=int(z[24:38]))
    if (totals.debit_count, totals.debit_cents) != (count, cents):
        raise ValueError(
            f"trailer: {totals.debit_count} debits / {totals.debit_cents} cents, "
            f"records hold {count} / {cents}"
        )
    return totals
