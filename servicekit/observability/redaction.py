"""One structlog processor that removes personal data from every log line.

Known fields (email, plate, phone, names, card and bank numbers, ...) lose their value
whatever it is; every other string is scrubbed of what looks like an email address, a phone
number, a card or bank number, SQL parameters and pydantic's echo of an input value. Plates
and names cannot be recognised in free text: code logs ids, never them, and the journey test
(tests/observability/test_log_privacy.py) scans every process's output for a real user's.
"""

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[redacted]"
SENSITIVE_KEYS = frozenset(
    {
        "email", "to", "recipient", "plate", "plates", "phone", "phone_number", "name",
        "first_name", "last_name", "full_name", "card", "card_number", "number", "cvv", "cvc",
        "account_number", "institution", "transit", "bank_account", "password", "token",
        "address", "street", "postal_code", "employee_number", "authorization", "cookie",
    }
)  # fmt: skip
# Fields the platform itself fills with ids, templates and figures: nothing to scrub, and
# skipping them keeps the access line cheap (bench/observability.py).
SAFE_KEYS = frozenset(
    {
        "level", "logger", "timestamp", "service", "method", "route", "status", "duration_ms",
        "request_id", "trace_id", "span_id", "workflow_id", "run_id", "workflow_type",
        "activity_type", "attempt",
    }
)  # fmt: skip
_PATTERNS = [
    # SQLAlchemy appends the statement's parameters (a row's values) to its errors.
    (re.compile(r"\[parameters: .*?\](?=\s|$)", re.S), "[parameters: redacted]"),
    (re.compile(r"input_value=('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)"), "input_value=?"),
    (re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Card numbers, grouped or not (13 to 19 digits).
    (re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])"), "[digits]"),
    # North American phone numbers as people type them.
    (re.compile(r"(?<![\w-])(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}(?![\w-])"), "[phone]"),
    # Bank accounts, E.164 phones and any other long run of digits.
    (re.compile(r"(?<![\w-])\+?\d{7,}(?![\w-])"), "[digits]"),
]  # fmt: skip


def scrub(text: str) -> str:
    """The text without anything that looks like personal data."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        # Letters only: no address, digit or parameter to find (the common short event).
        return value if value.isalpha() else scrub(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _sensitive(k) else _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _sensitive(key: object) -> bool:
    return isinstance(key, str) and key.lower() in SENSITIVE_KEYS


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: known personal fields masked, every string scrubbed."""
    for key, value in event_dict.items():
        if key not in SAFE_KEYS:
            event_dict[key] = REDACTED if _sensitive(key) else _clean(value)
    return event_dict
