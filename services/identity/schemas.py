"""Identity's request and response bodies (pydantic v2)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from servicekit.formats import (
    normalize_email,
    normalize_extension,
    normalize_phone,
    normalize_postal_code,
    normalize_province,
)
from services.identity.security import common_passwords

Email = Annotated[str, AfterValidator(normalize_email)]
Language = Literal["fr", "en"]
MIN_PASSWORD, MAX_PASSWORD = 8, 128


def check_password(value: str) -> str:
    """At least 8 characters, at most 128 (never truncated), not a common password."""
    if len(value) < MIN_PASSWORD:
        raise PydanticCustomError("password_too_short", "Password too short.")
    if len(value) > MAX_PASSWORD:
        raise PydanticCustomError("password_too_long", "Password too long.")
    if value.lower() in common_passwords():
        raise PydanticCustomError("password_too_common", "Password too common.")
    return value


NewPassword = Annotated[str, AfterValidator(check_password)]


def _confirm(value: str, info: ValidationInfo, field: str) -> str:
    if field in info.data and value != info.data[field]:
        raise PydanticCustomError("password_mismatch", "Passwords do not match.")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SignupIn(Strict):
    email: Email
    password: NewPassword
    password_confirmation: str
    language: Language = "fr"

    @field_validator("password_confirmation")
    @classmethod
    def confirmation_matches(cls, value: str, info: ValidationInfo) -> str:
        return _confirm(value, info, "password")


class EmailIn(Strict):
    email: Email


class TokenIn(Strict):
    token: str = Field(min_length=1, max_length=200)


class LoginIn(Strict):
    email: Email
    password: str = Field(max_length=1024)


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class ResetConfirmIn(Strict):
    token: str = Field(min_length=1, max_length=200)
    password: NewPassword
    password_confirmation: str

    @field_validator("password_confirmation")
    @classmethod
    def confirmation_matches(cls, value: str, info: ValidationInfo) -> str:
        return _confirm(value, info, "password")


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=1024)
    new_password: NewPassword
    new_password_confirmation: str

    @field_validator("new_password_confirmation")
    @classmethod
    def confirmation_matches(cls, value: str, info: ValidationInfo) -> str:
        return _confirm(value, info, "new_password")


class DeletionIn(Strict):
    password: str = Field(max_length=1024)


Name = Annotated[str, Field(min_length=1, max_length=100)]
Optional = Annotated[str | None, Field(default=None, max_length=200)]
Phone = Annotated[str | None, AfterValidator(normalize_phone)]
Extension = Annotated[str | None, AfterValidator(normalize_extension)]


class Profile(Strict):
    """Informations personnelles; at least one phone number (checked by the service)."""

    gender: Literal["female", "male", "other", "undisclosed"]
    first_name: Name
    last_name: Name
    address_line1: Annotated[str, Field(min_length=1, max_length=200)]
    apartment: Annotated[str | None, Field(default=None, max_length=20)] = None
    address_line2: Optional = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    province: Annotated[str, AfterValidator(normalize_province)]
    postal_code: Annotated[str, AfterValidator(normalize_postal_code)]
    mobile_phone: Phone = None
    home_phone: Phone = None
    home_phone_ext: Extension = None
    work_phone: Phone = None
    work_phone_ext: Extension = None
    language: Language = "fr"


class AccountSummary(BaseModel):
    id: str
    role: str
    language: Language
    profile_complete: bool


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    account: AccountSummary


class MeOut(BaseModel):
    id: str
    email: str
    role: str
    language: Language
    created_at: datetime
    verified_at: datetime | None
    profile: Profile | None
    profile_complete: bool


class StatusOut(BaseModel):
    status: str


class EmailContextIn(Strict):
    kind: Literal["verify_email", "password_reset", "signup_attempt", "password_changed"]
    key: str = Field(min_length=1, max_length=300)


class EmailContextOut(BaseModel):
    account_id: str
    email: str
    language: Language
    first_name: str | None = None
    link: str | None = None


class ExpireOut(BaseModel):
    expired: bool


class InternalAccountOut(BaseModel):
    id: str
    email: str
    role: str
    language: Language
    verified: bool
    profile: Profile | None
