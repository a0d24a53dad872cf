"""CPA Standard 005 file of pre-authorized debits (PAD), built from typed inputs.

Pure: no database, no clock, no file system. ``build_cpa005`` takes the originator, the debits and
the file creation date and returns the file text; the nightly export job writes it (ASCII) under
``PAYMENTS_EXPORT_DIR``.

Sources
-------
Payments Canada (ex-Canadian Payments Association) Standard 005, "Standards for the Exchange of
Financial Data on AFT Files", as summarised in the CPA Standard 005 AFT file specification
(file structure, segment rules, fill rules), cross-checked against bank and vendor layouts
(Treasury Software "CPA 005 1464-byte" description, RBC CPA-005 reference as used by Infor
CloudSuite) and two open-source writers (Odoo ``l10n_ca_payment_cpa005``, cityssm
``node-eft-generator``). Where they differ we follow the Standard 005 layout; the differences are
noted below.

File structure
--------------
* One ``A`` header record, then any number of ``D`` (debit) records, then one ``Z`` trailer.
* Every logical record is exactly 1464 characters.
* A ``D`` record is a 24-character prefix (data elements 01-03, "segment 0") followed by six
  240-character segments (data elements 04-21), one debit each. Unused segments are spaces, and
  once a segment is blank every later segment of that record is blank: 7 debits make one full
  ``D`` record and a second one with a single segment.
* Numeric elements are right-justified and zero-filled; alphanumeric elements are
  left-justified and space-filled. Text is uppercase printable ASCII: accents are stripped
  (``É`` -> ``E``, ``Œ`` -> ``OE``); anything that cannot be written that way is refused.
* A value longer than its element is refused with a ``ValueError`` naming the field, never
  truncated.
* Records are terminated by CR LF (``\\r\\n``), the last one included. Standard 005 defines the
  logical records, not the line ending; the bank layouts above and both open-source writers put
  CR LF between records, so we do too (``record_separator=""`` gives one unbroken stream).
* Dates are ``0YYDDD``: ``0``, two-digit year, day of the year (2028-02-29 -> ``028060``). Only
  years 2000-2099 can be written.
* Amounts are integer cents.

Logical record A (header)
-------------------------
=====  =========  ====  ===========================================================
Elem   Positions  Size  Content
=====  =========  ====  ===========================================================
01     1          1     ``A``
02     2-10       9     Logical record count, ``000000001``
03     11-20      10    Originator's ID (assigned by the bank), AN
04     21-24      4     File creation number, N (0001-9999, one more for each file)
05     25-30      6     Creation date ``0YYDDD``
06     31-35      5     Destination data centre, N
07     36-55      20    Reserved customer / direct clearer communication area, blank
08     56-58      3     Currency code identifier (``CAD``)
09     59-1464    1406  Filler, blank
=====  =========  ====  ===========================================================

Logical record D (debits), segment 0 then segments 1-6
------------------------------------------------------
=====  =========  ====  ===========================================================
Elem   Positions  Size  Content
=====  =========  ====  ===========================================================
01     1          1     ``D``
02     2-10       9     Logical record count (A is 1, each record adds one)
03     11-24      14    Origination control data: originator's ID (10) + file creation no. (4)
04     25-27      3     Transaction type (CPA code; default 450 miscellaneous payments)
05     28-37      10    Amount in cents, N
06     38-43      6     Due date ``0YYDDD``
07     44-52      9     Institutional identification no.: ``0`` + institution (3) + transit (5)
08     53-64      12    Payor account no., AN, left-justified
09     65-86      22    Item trace no., zeros (assigned by the processing institution)
10     87-89      3     Stored transaction type, zeros
11     90-104     15    Originator's short name
12     105-134    30    Payor name
13     135-164    30    Originator's long name
14     165-174    10    Originating direct clearer's user's ID (the originator's ID)
15     175-193    19    Originator's cross reference no. (our contract number)
16     194-202    9     Institutional ID no. for returns: ``0`` + institution + transit
17     203-214    12    Account no. for returns, AN, left-justified
18     215-229    15    Originator's sundry information, blank
19     230-251    22    Filler, blank
20     252-253    2     Originator-direct clearer settlement code, blank
21     254-264    11    Invalid data element I.D., zeros
--     265-504    240   Segment 2 (elements 04-21 again), then 505-744, 745-984, 985-1224,
                        1225-1464 for segments 3 to 6
=====  =========  ====  ===========================================================

Logical record Z (trailer)
--------------------------
=====  =========  ====  ===========================================================
Elem   Positions  Size  Content
=====  =========  ====  ===========================================================
01     1          1     ``Z``
02     2-10       9     Logical record count (the total number of records in the file)
03     11-24      14    Origination control data, as in D
04     25-38      14    Total value of debit transactions (``D``), cents
05     39-46      8     Total number of debit transactions (segments, not records)
06     47-60      14    Total value of credit transactions, zeros
07     61-68      8     Total number of credit transactions, zeros
08     69-82      14    Total value of error corrections "E", zeros
09     83-90      8     Total number of error corrections "E", zeros
10     91-104     14    Total value of error corrections "F", zeros
11     105-112    8     Total number of error corrections "F", zeros
12     113-1464   1352  Filler, blank
=====  =========  ====  ===========================================================

Differences between sources, and what we chose
----------------------------------------------
* Trailer count: node-eft-generator counts D *records*; Standard 005, Odoo and the bank layouts
  count *transactions*. We count transactions (segments).
* Item trace no.: Odoo writes its payment id there; the bank layouts and the Standard leave it to
  the processing institution (zeros). We write zeros.
* Truncation: both open-source writers truncate long names; we refuse them.
* Due-date window: banks reject debits dated too far from the file date (figures differ between
  banks); the caller picks the due date, this module does not enforce a window.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

RECORD_LENGTH = 1464
SEGMENT_LENGTH = 240
SEGMENTS_PER_RECORD = 6
PREFIX_LENGTH = 24  # data elements 01-03
CRLF = "\r\n"
DEFAULT_TRANSACTION_CODE = "450"  # Payments Canada: miscellaneous payments

MAX_AMOUNT_CENTS = 10**10 - 1  # 10 numeric positions
MAX_TOTAL_CENTS = 10**14 - 1  # 14 numeric positions in the trailer
MAX_TRANSACTIONS = 10**8 - 1  # 8 numeric positions in the trailer

_INSTITUTION = re.compile(r"\d{3}")
_TRANSIT = re.compile(r"\d{5}")
_ACCOUNT = re.compile(r"\d{7,12}")
_ORIGINATOR_ID = re.compile(r"[A-Z0-9]{1,10}")
_DATA_CENTRE = re.compile(r"\d{1,5}")
_TRANSACTION_CODE = re.compile(r"\d{3}")
_PRINTABLE_ASCII = re.compile(r"[ -~]*")

# Letters that Unicode does not decompose into a base letter plus marks.
_LIGATURES = str.maketrans(
    {
        "Œ": "OE",
        "œ": "oe",
        "Æ": "AE",
        "æ": "ae",
        "ß": "ss",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "\u2019": "'",
        "\u2018": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True, slots=True)
class Originator:
    """The payee of the debits (us), as the bank knows it."""

    originator_id: str  # 10 characters assigned by the bank
    short_name: str  # at most 15, shown on the payor's statement
    long_name: str  # at most 30
    return_institution: str  # where returned items go: institution (3 digits)
    return_transit: str  # transit (5 digits)
    return_account: str  # account (7-12 digits)
    file_creation_number: int  # 1-9999, one more for each file sent
    destination_data_centre: str  # up to 5 digits, given by the bank
    currency: str = "CAD"


@dataclass(frozen=True, slots=True)
class Debit:
    """One pre-authorized debit: one segment of a D record."""

    amount_cents: int
    payor_name: str  # at most 30
    institution: str  # 3 digits
    transit: str  # 5 digits
    account: str  # 7-12 digits
    cross_reference: str  # at most 19: the contract number, echoed on returns
    due_date: date
    transaction_code: str = DEFAULT_TRANSACTION_CODE


def julian(day: date, field: str = "date") -> str:
    """``0YYDDD``: 2028-02-29 -> ``028060``."""
    if not 2000 <= day.year <= 2099:
        raise ValueError(f"{field}: {day.isoformat()} cannot be written as 0YYDDD (2000-2099)")
    return f"0{day.year % 100:02d}{day.timetuple().tm_yday:03d}"


def to_ascii_upper(value: str, field: str) -> str:
    """Uppercase printable ASCII with accents stripped; refuses what cannot be transliterated."""
    decomposed = unicodedata.normalize("NFKD", value.translate(_LIGATURES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = stripped.upper()
    if not _PRINTABLE_ASCII.fullmatch(text):
        bad = next(ch for ch in text if not " " <= ch <= "~")
        raise ValueError(f"{field}: character {bad!r} cannot be written in a CPA-005 file")
    return text


def _alpha(value: str, size: int, field: str, *, required: bool = True) -> str:
    text = to_ascii_upper(value, field).strip()
    if required and not text:
        raise ValueError(f"{field}: must not be blank")
    if len(text) > size:
        raise ValueError(f"{field}: {len(text)} characters, at most {size} allowed ({text!r})")
    return text.ljust(size)


def _digits(value: str, pattern: re.Pattern[str], field: str, expected: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"{field}: must be {expected}, got {value!r}")
    return value


def _number(value: int, size: int, field: str) -> str:
    text = str(value)
    if len(text) > size:
        raise ValueError(f"{field}: {value} does not fit in {size} digits")
    return text.zfill(size)


def _institutional_id(institution: str, transit: str, prefix: str) -> str:
    inst = _digits(institution, _INSTITUTION, f"{prefix}institution", "3 digits")
    tr = _digits(transit, _TRANSIT, f"{prefix}transit", "5 digits")
    return "0" + inst + tr


@dataclass(frozen=True, slots=True)
class _Header:
    """The originator's fields, validated and formatted once for the whole file."""

    control: str  # origination control data: originator ID (10) + file creation no. (4)
    originator_id: str
    short_name: str
    long_name: str
    returns_id: str
    returns_account: str
    data_centre: str
    currency: str


def _header(originator: Originator) -> _Header:
    oid = _alpha(originator.originator_id, 10, "originator.originator_id")
    if not _ORIGINATOR_ID.fullmatch(oid.strip()):
        raise ValueError(
            f"originator.originator_id: letters and digits only, got {originator.originator_id!r}"
        )
    fcn = originator.file_creation_number
    if isinstance(fcn, bool) or not isinstance(fcn, int) or not 1 <= fcn <= 9999:
        raise ValueError(f"originator.file_creation_number: must be 1-9999, got {fcn!r}")
    data_centre = _digits(
        originator.destination_data_centre,
        _DATA_CENTRE,
        "originator.destination_data_centre",
        "1 to 5 digits",
    ).zfill(5)
    if originator.currency not in ("CAD", "USD"):
        raise ValueError(f"originator.currency: CAD or USD, got {originator.currency!r}")
    account = _digits(
        originator.return_account, _ACCOUNT, "originator.return_account", "7 to 12 digits"
    )
    return _Header(
        control=oid + f"{fcn:04d}",
        originator_id=oid,
        short_name=_alpha(originator.short_name, 15, "originator.short_name"),
        long_name=_alpha(originator.long_name, 30, "originator.long_name"),
        returns_id=_institutional_id(
            originator.return_institution, originator.return_transit, "originator.return_"
        ),
        returns_account=account.ljust(12),
        data_centre=data_centre,
        currency=originator.currency,
    )


def _segment(head: _Header, debit: Debit, index: int) -> str:
    field = f"debits[{index}]."
    amount = debit.amount_cents
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or not 0 < amount <= MAX_AMOUNT_CENTS
    ):
        raise ValueError(f"{field}amount_cents: must be 1..{MAX_AMOUNT_CENTS}, got {amount!r}")
    code = _digits(
        debit.transaction_code, _TRANSACTION_CODE, f"{field}transaction_code", "3 digits"
    )
    account = _digits(debit.account, _ACCOUNT, f"{field}account", "7 to 12 digits")
    segment = (
        code  # 04 transaction type
        + f"{amount:010d}"  # 05 amount
        + julian(debit.due_date, f"{field}due_date")  # 06 due date
        + _institutional_id(debit.institution, debit.transit, field)  # 07
        + account.ljust(12)  # 08 payor account no.
        + "0" * 22  # 09 item trace no.
        + "000"  # 10 stored transaction type
        + head.short_name  # 11
        + _alpha(debit.payor_name, 30, f"{field}payor_name")  # 12
        + head.long_name  # 13
        + head.originator_id  # 14 originating direct clearer's user's ID
        + _alpha(debit.cross_reference, 19, f"{field}cross_reference", required=False)  # 15
        + head.returns_id  # 16
        + head.returns_account  # 17
        + " " * 15  # 18 sundry information
        + " " * 22  # 19 filler
        + " " * 2  # 20 settlement code
        + "0" * 11  # 21 invalid data element I.D.
    )
    assert len(segment) == SEGMENT_LENGTH, len(segment)
    return segment


def build_records(
    originator: Originator, debits: Sequence[Debit], creation_date: date
) -> list[str]:
    """The logical records (each 1464 characters): A, then D records, then Z."""
    head = _header(originator)
    if len(debits) > MAX_TRANSACTIONS:
        raise ValueError(f"debits: at most {MAX_TRANSACTIONS} in one file")
    segments = [_segment(head, debit, i) for i, debit in enumerate(debits)]
    total = sum(debit.amount_cents for debit in debits)
    if total > MAX_TOTAL_CENTS:
        raise ValueError(f"debits: total {total} cents does not fit in 14 digits")

    records = [
        "A"
        + "000000001"
        + head.control
        + julian(creation_date, "creation_date")
        + head.data_centre
        + " " * 20
        + head.currency
        + " " * 1406
    ]
    for start in range(0, len(segments), SEGMENTS_PER_RECORD):
        body = "".join(segments[start : start + SEGMENTS_PER_RECORD])
        count = _number(len(records) + 1, 9, "logical record count")
        records.append(("D" + count + head.control + body).ljust(RECORD_LENGTH))
    records.append(
        "Z"
        + _number(len(records) + 1, 9, "logical record count")
        + head.control
        + f"{total:014d}"  # 04 total value of debits
        + f"{len(segments):08d}"  # 05 total number of debits
        + "0" * (14 + 8)  # 06-07 total value and number of credits
        + "0" * (14 + 8)  # 08-09 total value and number of error corrections E
        + "0" * (14 + 8)  # 10-11 total value and number of error corrections F
        + " " * 1352
    )
    for record in records:
        assert len(record) == RECORD_LENGTH, (record[0], len(record))
    return records


def build_cpa005(
    originator: Originator,
    debits: Sequence[Debit],
    creation_date: date,
    *,
    record_separator: str = CRLF,
) -> str:
    """The CPA-005 file text: every record followed by ``record_separator`` (CR LF)."""
    return "".join(
        record + record_separator for record in build_records(originator, debits, creation_date)
    )
