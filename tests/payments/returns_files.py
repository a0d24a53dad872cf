"""Returns files as a bank would send them back: built from the debit file our export wrote,
each chosen D segment echoed in a J record with its trace number and return reason."""

from services.payments.exports.cpa005 import (
    CRLF,
    PREFIX_LENGTH,
    RECORD_LENGTH,
    SEGMENT_LENGTH,
    SEGMENTS_PER_RECORD,
)


def debit_segments(debit_file: str) -> list[str]:
    """The filled D segments of a CPA-005 debit file, in order."""
    records = [r for r in debit_file.split(CRLF) if r]
    return [
        seg
        for record in records[1:-1]
        for seg in (
            record[PREFIX_LENGTH + s * SEGMENT_LENGTH :][:SEGMENT_LENGTH]
            for s in range(SEGMENTS_PER_RECORD)
        )
        if seg.strip()
    ]


def returned(segment: str, reason: str, trace: str) -> str:
    """The D segment as a returned item: the bank's trace number (elem. 09) and reason (10)."""
    return segment[:40] + trace.rjust(22, "0") + reason + segment[65:]


def returns_file(header: str, segments: list[str], creation: str = "031140") -> str:
    """A, J records (six segments each), Z with the returned debits' count and value."""
    control = header[10:20] + "0777"
    records = ["A000000001" + control + creation + header[30:]]
    for start in range(0, len(segments), SEGMENTS_PER_RECORD):
        body = "".join(segments[start : start + SEGMENTS_PER_RECORD])
        records.append(("J" + f"{len(records) + 1:09d}" + control + body).ljust(RECORD_LENGTH))
    cents = sum(int(s[3:13]) for s in segments)
    trailer = "Z" + f"{len(records) + 1:09d}" + control + f"{cents:014d}{len(segments):08d}"
    records.append((trailer + "0" * 66).ljust(RECORD_LENGTH))
    return "".join(r + CRLF for r in records)


def returns_of(debit_file: str, picks: dict[int, str]) -> str:
    """A returns file sending back the debit file's segments `picks` (index -> reason code)."""
    segments = debit_segments(debit_file)
    header = debit_file.split(CRLF, 1)[0]
    chosen = [returned(segments[i], reason, f"{i + 1:022d}") for i, reason in picks.items()]
    return returns_file(header, chosen)
