"""Monthly payroll-deduction (DAS) export: one CSV per establishment.

Pure: takes the month's deductions, returns ``{establishment: csv_text}``; the scheduled job
writes each text UTF-8 encoded (no byte-order mark) under ``PAYMENTS_EXPORT_DIR``.

Format (RFC 4180 as written by Python's ``csv`` module: comma separated, CR LF line ends,
fields quoted only when needed):

    employee_number,last_name,first_name,contract_number,amount_cents,period

* Names are kept as entered, accents included (UTF-8).
* ``amount_cents`` is a positive integer number of cents; ``period`` is ``YYYY-MM``.
* Rows are sorted by last name, first name, employee number and contract number, so the same
  input always gives the same file.
* A text field that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, tab or CR) or that holds a control character is refused with a ``ValueError`` naming
  the field, as is a blank required field.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

HEADER = ("employee_number", "last_name", "first_name", "contract_number", "amount_cents", "period")

_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class PayrollDeduction:
    establishment: str
    employee_number: str
    last_name: str
    first_name: str
    contract_number: str
    amount_cents: int
    period: str  # YYYY-MM


def _text(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field}: must not be blank")
    text = value.strip()
    if text.startswith(_FORMULA_START):
        raise ValueError(f"{field}: must not start with {text[0]!r}")
    if _CONTROL.search(text):
        raise ValueError(f"{field}: must not contain control characters")
    return text


def _row(item: PayrollDeduction, index: int) -> tuple[str, str, str, str, str, str]:
    field = f"deductions[{index}]."
    amount = item.amount_cents
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"{field}amount_cents: must be a positive integer, got {amount!r}")
    if not isinstance(item.period, str) or not _PERIOD.fullmatch(item.period):
        raise ValueError(f"{field}period: must be YYYY-MM, got {item.period!r}")
    return (
        _text(item.employee_number, f"{field}employee_number"),
        _text(item.last_name, f"{field}last_name"),
        _text(item.first_name, f"{field}first_name"),
        _text(item.contract_number, f"{field}contract_number"),
        str(amount),
        item.period,
    )


def build_payroll_exports(deductions: Iterable[PayrollDeduction]) -> dict[str, str]:
    """``{establishment: csv_text}``, one CSV (header + rows) per establishment, sorted by name."""
    groups: dict[str, list[tuple[str, str, str, str, str, str]]] = defaultdict(list)
    for index, item in enumerate(deductions):
        establishment = _text(item.establishment, f"deductions[{index}].establishment")
        groups[establishment].append(_row(item, index))

    files: dict[str, str] = {}
    for establishment in sorted(groups):
        out = io.StringIO(newline="")
        writer = csv.writer(out)  # excel dialect: CR LF, minimal quoting
        writer.writerow(HEADER)
        rows = sorted(
            groups[establishment], key=lambda r: (r[1].casefold(), r[2].casefold(), r[0], r[3])
        )
        writer.writerows(rows)
        files[establishment] = out.getvalue()
    return files
