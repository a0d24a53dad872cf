"""Québec/Canada formats from RULES.md: postal codes, provinces, phones, plates, emails."""

import re
from datetime import date
from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from fastapi import Path, Query
from pydantic_core import PydanticCustomError

PROVINCES = ("AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT")
POSTAL_CODE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$")
EXTENSION = re.compile(r"^\d{1,6}$")


def normalize_email(value: str) -> str:
    """Lower-cased, IDNA-normalised address; `email_invalid` otherwise."""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise PydanticCustomError("email_invalid", "Invalid email address.") from exc
    return result.normalized.lower()


def normalize_postal_code(value: str) -> str:
    """`h2x1y4` -> `H2X 1Y4`; `postal_code_invalid` otherwise."""
    compact = value.strip().upper().replace(" ", "")
    if not POSTAL_CODE.match(compact):
        raise PydanticCustomError("postal_code_invalid", "Invalid postal code.")
    return f"{compact[:3]} {compact[3:]}"


def normalize_province(value: str) -> str:
    """One of the 13 province and territory codes."""
    code = value.strip().upper()
    if code not in PROVINCES:
        raise PydanticCustomError("province_invalid", "Invalid province.")
    return code


def normalize_phone(value: str | None) -> str | None:
    """A North American number in E.164 (`+15145551234`); empty means none."""
    if value is None or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value, "CA")
    except phonenumbers.NumberParseException as exc:
        raise PydanticCustomError("phone_invalid", "Invalid phone number.") from exc
    if number.country_code != 1 or not phonenumbers.is_valid_number(number):
        raise PydanticCustomError("phone_invalid", "Invalid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_extension(value: str | None) -> str | None:
    """Digits only, at most six; empty means none."""
    if value is None or not value.strip():
        return None
    if not EXTENSION.match(value.strip()):
        raise PydanticCustomError("extension_invalid", "Invalid extension.")
    return value.strip()


PLATE = re.compile(r"^[A-Z0-9]{1,7}$")
# A registration certificate prints the plate followed by "-<digit>", which is not part of it.
CERTIFICATE_SUFFIX = re.compile(r"-\s*\d$")


def normalize_plate(value: str) -> str:
    """`abc 123-4` -> `ABC123`: upper-case, no spaces or dashes; `plate_invalid` otherwise."""
    compact = CERTIFICATE_SUFFIX.sub("", value.strip().upper())
    compact = compact.replace(" ", "").replace("-", "")
    if not PLATE.match(compact):
        raise PydanticCustomError("plate_invalid", "Invalid licence plate.")
    return compact


def long_date(day: date, language: str) -> str:
    """`9 février 2027`, `1er août 2022` (French) or `February 9, 2027` (English), by Babel."""
    from servicekit.i18n import format_long_date  # Babel loads only where dates are shown

    return format_long_date(day, language)


# A catalog row's integer id as a path or query parameter: the databases store 32-bit integers,
# so a larger number is refused as invalid input (422) instead of failing in the driver (500).
INT32_MAX = 2_147_483_647
PathId = Annotated[int, Path(ge=1, le=INT32_MAX)]
QueryId = Annotated[int | None, Query(ge=1, le=INT32_MAX)]
RequiredQueryId = Annotated[int, Query(ge=1, le=INT32_MAX)]
