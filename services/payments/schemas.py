"""Payments' request and response bodies (pydantic v2)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from servicekit.cards import refuse_card_number

MethodKind = Literal["card", "pad"]
ChargeStatus = Literal["paid", "declined", "recorded"]
InvoiceStatus = Literal["paid", "unpaid", "credited", "payroll"]
AdjustmentKind = Literal["payment", "credit"]
PayerType = Literal["personal", "business"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# A payment method's holder: a name, never a card number (RULES.md, Cards).
HolderName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(refuse_card_number)]
# The hosted card page's single-use token (`stk_...` in the sandbox); never a card number.
CardTokenText = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_]+$")]


class CardIn(Strict):
    """What the card forms send: the holder and the hosted page's single-use token. A card
    number field is refused (422 `extra_forbidden` naming it): this service never takes one."""

    holder_name: HolderName
    card_token: CardTokenText


class AgreementOut(BaseModel):
    version: str
    accepted_at: datetime


class MethodOut(BaseModel):
    """A payment method as its owner sees it: never a card number, only an account's last 4."""

    id: str
    kind: MethodKind
    holder_name: str
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    institution: str | None = None
    transit: str | None = None
    account_last4: str | None = None
    payer_type: PayerType | None = None
    agreement: AgreementOut | None = None
    has_specimen: bool = False
    created_at: datetime


class PadAgreementOut(BaseModel):
    version: str
    text_fr: str
    text_en: str


class ChargeIn(Strict):
    """A charge the billing workflow asks for; the key is derived from subscription and period."""

    idempotency_key: str = Field(min_length=8, max_length=200)
    account_id: str = Field(min_length=1, max_length=36)
    subscription_id: str = Field(min_length=1, max_length=36)
    payment_method_id: str | None = Field(default=None, max_length=36)
    period_start: date
    period_end: date
    amount_cents: int = Field(ge=0, le=100_000_000)
    description: str = Field(min_length=1, max_length=300)
    # A retry of this unpaid invoice: no new invoice, `amount_cents` must be its total.
    invoice_id: str | None = Field(default=None, min_length=1, max_length=36)


class ChargeOut(BaseModel):
    id: str
    status: ChargeStatus
    amount_cents: int
    invoice_id: str
    decline_code: str | None = None


class BalanceOut(BaseModel):
    balance_cents: int


class CreditIn(Strict):
    """A credit the billing workflow grants (the unused days of a period billed in full)."""

    idempotency_key: str = Field(min_length=8, max_length=200)
    account_id: str = Field(min_length=1, max_length=36)
    subscription_id: str = Field(min_length=1, max_length=36)
    amount_cents: int = Field(gt=0, le=100_000_000)
    reason: str = Field(max_length=1000)


class CreditOut(BaseModel):
    id: str
    amount_cents: int


class MethodSummaryOut(BaseModel):
    """What another service may know of a method: its kind and last digits, never more."""

    id: str
    kind: MethodKind
    brand: str | None = None
    last4: str | None = None
    account_last4: str | None = None
    exp_month: int | None = None  # a card's expiry: the workflow reminds the user before it
    exp_year: int | None = None


class UnpaidInvoiceOut(BaseModel):
    id: str
    subscription_id: str
    period_start: date
    total_cents: int


class OutstandingOut(BaseModel):
    balance_cents: int
    unpaid_invoices: list[UnpaidInvoiceOut]


class Cpa005In(Strict):
    day: date


class Cpa005Out(BaseModel):
    path: str
    count: int
    total_cents: int


class PayrollIn(Strict):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class PayrollOut(BaseModel):
    files: list[str]
    rows: int


class InvoiceOut(BaseModel):
    id: str
    number: str
    period_start: date
    period_end: date
    subscription_id: str
    description: str
    total_cents: int
    pretax_cents: int
    gst_cents: int
    qst_cents: int
    status: InvoiceStatus
    receipt_number: str | None = None
    created_at: datetime


class AdjustmentIn(Strict):
    kind: AdjustmentKind
    amount_cents: int = Field(gt=0, le=100_000_000)
    reason: str = Field(max_length=1000)


class AdjustmentOut(BaseModel):
    id: str
    account_id: str
    kind: AdjustmentKind
    amount_cents: int
    reason: str
    operator_id: str
    created_at: datetime
    balance_cents: int


class AccountBillingOut(BaseModel):
    """What an operator sees of one account."""

    account_id: str
    balance_cents: int
    invoices: list[InvoiceOut]
    methods: list[MethodOut]
    adjustments: list[AdjustmentOut]


class BilledTotalsIn(Strict):
    """Groups of subscriptions (by the caller's key, e.g. an offering id) and a month."""

    month: date = Field(description="the month's 1st (Montréal calendar)")
    groups: dict[str, list[str]] = Field(max_length=10_000)


class BilledTotalsOut(BaseModel):
    month: date
    totals_cents: dict[str, int]
