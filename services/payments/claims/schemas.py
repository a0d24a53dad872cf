"""Claim notices' request and response bodies (pydantic v2)."""

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from servicekit.formats import normalize_email, normalize_plate
from services.payments.schemas import CardIn

NoticeNumber = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$")]
Plate = Annotated[str, Field(max_length=20), AfterValidator(normalize_plate)]
MAX_AMOUNT_CENTS = 10_000_000  # 100 000 $: a typo guard, far above any parking claim


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimNoticeIn(Strict):
    """One notice as an operator issues it (amount in cents, taxes as issued)."""

    number: NoticeNumber
    plate: Plate
    site_id: int = Field(ge=1)
    issued_on: date
    amount_cents: int = Field(gt=0, le=MAX_AMOUNT_CENTS)
    due_on: date

    @model_validator(mode="after")
    def _due_after_issue(self) -> Self:
        if self.due_on < self.issued_on:
            raise PydanticCustomError("due_before_issue", "The due date precedes the issue date.")
        return self


class ClaimNoticeOut(BaseModel):
    number: str
    plate: str
    site_id: int
    issued_on: date
    amount_cents: int
    due_on: date
    status: Literal["unpaid", "paid"]
    paid_at: datetime | None = None


class ImportLineError(BaseModel):
    line: int
    field: str
    code: str


class ImportResult(BaseModel):
    imported: int
    errors: list[ImportLineError]


class LookupIn(Strict):
    """What the payer reads on the notice; the plate is normalised, a bad one simply not found."""

    number: str = Field(max_length=30)
    plate: str = Field(max_length=20)


class PayIn(LookupIn):
    """A notice paid by card: the holder and the hosted page's single-use token, never a number."""

    card: CardIn
    email: Annotated[str, AfterValidator(normalize_email)] | None = None
    # The page's language (the payer has no account): the receipt email's language.
    language: Literal["fr", "en"] = "fr"


class PaymentOut(BaseModel):
    """200: the notice is paid (its receipt)."""

    status: Literal["paid"] = "paid"
    receipt_id: str
    receipt_number: str
    notice_number: str
    amount_cents: int
    paid_at: datetime


class PaymentActionOut(BaseModel):
    """202: the payer's bank asks for 3-D Secure. The browser goes to `action_url` (the
    issuer's challenge), which brings it back to the portal's return page with `payment_id`;
    the notice reads `unpaid` until the charge is captured. `action_url` is None while the
    gateway has not decided yet (ask again)."""

    status: Literal["requires_action"] = "requires_action"
    payment_id: str
    action_url: str | None


class ReceiptEmailOut(BaseModel):
    """What the receipt email says, for the worker only (internal API): `email` may be None."""

    receipt_id: str
    receipt_number: str
    number: str
    plate: str
    site_id: int
    amount_cents: int
    paid_at: datetime
    email: str | None
    language: str | None  # None for a receipt paid before the language was kept
