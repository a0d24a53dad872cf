"""Card-number rules from RULES.md (PCI DSS): Luhn check, brand, and a scanner for stray numbers."""

import re
from datetime import date
from typing import Literal

from pydantic_core import PydanticCustomError

Brand = Literal["visa", "mastercard", "amex", "discover", "unknown"]

MIN_DIGITS, MAX_DIGITS = 13, 19
# A run of digits that may hold single spaces or dashes between them ("4242 4242-4242 4242").
_RUN = re.compile(r"\d(?:[ -]?\d)*")
_SEPARATORS = re.compile(r"[ -]")


def digits_of(number: str) -> str:
    """The digits of a number typed with spaces or dashes (`4242 4242` -> `42424242`)."""
    return _SEPARATORS.sub("", number.strip())


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) check."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(number: str) -> bool:
    """13 to 19 digits (spaces or dashes allowed) passing the Luhn check."""
    digits = digits_of(number)
    return MIN_DIGITS <= len(digits) <= MAX_DIGITS and luhn_valid(digits)


def brand_of(number: str) -> Brand:
    """The card brand from its leading digits (IIN ranges)."""
    digits = digits_of(number)
    two, four = int(digits[:2] or 0), int(digits[:4] or 0)
    if digits.startswith("4"):
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3] or 0) <= 649:
        return "discover"
    return "unknown"


def _grouped_like_a_card(groups: list[str]) -> bool:
    """Digits typed in groups read as a card only in card-like groups (`4242 4242 ...`,
    `3782 822463 10005`): a first group of 4, then groups of 3 to 6. A UUID's `8-4-4-4-12`
    digits never match, so identifiers are not mistaken for card numbers."""
    if len(groups) == 1:
        return True
    return len(groups[0]) == 4 and all(3 <= len(g) <= 6 for g in groups[1:])


# Identifiers whose digits are no number anyone typed, set aside before a scan: UUIDs (ids,
# Temporal run ids) and hex digests (a token's sha256), 32 hex characters or more with a letter.
# Left in, their digit runs look like cards now and then: a UUID's `4335-8997-33659d4b...` is
# card-like about once in 3,000, a sha256 about once in 200.
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_HEX_WORD = re.compile(r"(?<![0-9A-Za-z])(?=[0-9]*[A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Za-z])")
# The logs' OpenTelemetry span ids (16 hex characters, `span_id=...` or `"span_id": "..."`):
# one in a thousand or so holds a Luhn-valid run of 13 digits or more.
_SPAN_ID = re.compile(r"""(?<=span_id)(=|": ?")[0-9a-f]{16}(?![0-9A-Za-z])""")


def card_numbers(text: str) -> list[str]:
    """Every Luhn-valid 13-19 digit card number in `text`, typed whole or in card-like groups.

    Every run of consecutive groups is tried, so a number next to other digits after a
    separator (`4242424242424242 12/30`, `no 1 4242 4242 4242 4242`) is found too."""
    found = []
    text = _HEX_WORD.sub("<hex>", _UUID.sub("<uuid>", text))
    text = _SPAN_ID.sub(r"\1<span>", text)
    for match in _RUN.finditer(text):
        groups = _SEPARATORS.split(match.group())
        for first in range(len(groups)):
            for last in range(first, len(groups)):
                part = groups[first : last + 1]
                digits = "".join(part)
                if len(digits) > MAX_DIGITS:
                    break
                if len(digits) >= MIN_DIGITS and luhn_valid(digits) and _grouped_like_a_card(part):
                    found.append(digits)
    return found


def contains_card_number(text: str) -> bool:
    """Whether `text` holds a card number (`card_numbers`): what RULES.md forbids in the
    database, the logs and the emails."""
    return bool(card_numbers(text))


def refuse_card_number(value: str) -> str:
    """A free-text field (a holder's name...) holding a card number: `card_number_refused`."""
    if contains_card_number(value):
        raise PydanticCustomError("card_number_refused", "A card number is not accepted here.")
    return value


# Validators for card forms (pydantic `AfterValidator`s), raising stable codes. ---------------

# Their messages are in the catalogs as `validation.<code>` (card_number_invalid, card_expired,
# cvv_invalid), so 422 answers carry them in both languages.
_CVV = re.compile(r"^\d{3,4}$")


def normalize_card_number(value: str) -> str:
    """Digits only, 13-19 of them, Luhn-valid; `card_number_invalid` otherwise."""
    digits = digits_of(value)
    if not is_card_number(digits):
        raise PydanticCustomError("card_number_invalid", "Invalid card number.")
    return digits


def check_cvv(value: str) -> str:
    """Three or four digits; `cvv_invalid` otherwise (checked, then forgotten)."""
    if not _CVV.match(value.strip()):
        raise PydanticCustomError("cvv_invalid", "Invalid security code.")
    return value.strip()


def expired(month: int, year: int, today: date) -> bool:
    """A card is valid through the last day of its expiry month."""
    return (year, month) < (today.year, today.month)


BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
}


def brand_label(brand: object) -> str:
    """`visa` → `Visa`, as pages, emails and receipts name a card's brand."""
    return BRANDS.get(str(brand or ""), str(brand or "").capitalize())
