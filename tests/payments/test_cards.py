"""Card-number rules (servicekit.cards): Luhn, brand, validators and the stray-number scanner."""

from datetime import date

import pytest
from pydantic_core import PydanticCustomError

from servicekit.cards import (
    brand_of,
    check_cvv,
    contains_card_number,
    expired,
    is_card_number,
    luhn_valid,
    normalize_card_number,
)

VALID = [
    "4242424242424242",
    "5555555555554444",
    "378282246310005",
    "4000000000000341",
    "6011111111111117",
    "2223003122003222",
    "4222222222222",
]


@pytest.mark.parametrize("number", VALID)
def test_luhn_accepts_test_numbers(number: str) -> None:
    assert luhn_valid(number) and is_card_number(number)


@pytest.mark.parametrize("number", ["4242424242424241", "5555555555554445", "378282246310006"])
def test_luhn_refuses_one_wrong_digit(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize("number", ["0000000000", "42424242424242420000", "4242x242424242", ""])
def test_card_number_needs_13_to_19_digits(number: str) -> None:
    assert not is_card_number(number)


def test_spaces_and_dashes_are_typing_not_digits() -> None:
    assert is_card_number("4242 4242 4242 4242") and is_card_number("4242-4242-4242-4242")
    assert normalize_card_number(" 3782 822463 10005 ") == "378282246310005"


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("341111111111111", "amex"),
        ("6011111111111117", "discover"),
        ("9999999999999995", "unknown"),
    ],
)
def test_brand_from_leading_digits(number: str, brand: str) -> None:
    assert brand_of(number) == brand


def test_validators_raise_stable_codes() -> None:
    with pytest.raises(PydanticCustomError) as bad_number:
        normalize_card_number("4242 4242 4242 4241")
    assert bad_number.value.type == "card_number_invalid"
    with pytest.raises(PydanticCustomError) as bad_cvv:
        check_cvv("12a")
    assert bad_cvv.value.type == "cvv_invalid"
    assert check_cvv("1234") == "1234"


def test_a_card_is_valid_through_its_expiry_month() -> None:
    today = date(2027, 5, 31)
    assert not expired(5, 2027, today)
    assert expired(4, 2027, today) and expired(12, 2026, today)


@pytest.mark.parametrize(
    "text",
    [
        "4242424242424242",
        "paid with 4242 4242 4242 4242 today",
        "card=5555-5555-5555-4444;",
        "amex 3782 822463 10005",
        '{"number": "4000000000000341"}',
        "card=4242424242424242 12/30",  # next to other digits after a separator
        "no 1 4242 4242 4242 4242",
        "4242 4242 4242 4242 123",
    ],
)
def test_scanner_finds_card_numbers(text: str) -> None:
    assert contains_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "4242 4242 4242 4241",  # not Luhn-valid
        "424242424242",  # 12 digits
        "2026-11-26 18:07:11.123456+00:00",
        "last4=4242 tok_abcdefgh",
        "+15145551234",
        "12345678-1234-4234-8234-123456789012",  # a UUID's groups are not a card's
        # A sha256 digest whose digit run `714344101126877` is Luhn-valid: an identifier.
        "token_hash=9f2c714344101126877aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2",
    ],
)
def test_scanner_ignores_what_is_not_a_card_number(text: str) -> None:
    assert not contains_card_number(text)
