"""What the hosted page sends and answers: the card as typed, then its single-use token."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from servicekit.cards import check_cvv, expired, normalize_card_number
from servicekit.clock import today


class CardEntryIn(BaseModel):
    """The card typed in the hosted page: Luhn, expiry and CVV checked here, then forgotten."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    number: Annotated[str, Field(max_length=30), AfterValidator(normalize_card_number)]
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvv: Annotated[str, Field(max_length=4), AfterValidator(check_cvv)]

    @field_validator("exp_year")
    @classmethod
    def _not_expired(cls, year: int, info: ValidationInfo) -> int:
        """Named on the year (the month was checked first): a card valid through its month."""
        month = info.data.get("exp_month")
        if month is not None and expired(month, year, today()):
            raise PydanticCustomError("card_expired", "The card has expired.")
        return year

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        # Never print the number or the CVV, even in a validation traceback.
        yield "exp_month", self.exp_month
        yield "exp_year", self.exp_year


class SingleUseTokenOut(BaseModel):
    """What the page hands its parent: the token, and what the payer may be shown of the card."""

    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    expires_at: datetime


class SetupIntentOut(BaseModel):
    """What the Stripe page confirms in the browser: the SetupIntent's client secret only."""

    client_secret: str
