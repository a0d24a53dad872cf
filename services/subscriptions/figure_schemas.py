"""The bodies of figures the service computes: the price preview of « Récapitulatif » and the
operators' occupancy report (their requests' bodies stay in `schemas.py`)."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.subscriptions.schemas import BillingMode


class ChargeLines(BaseModel):
    """A taxes-included amount split as invoices show it (RULES.md, taxes and money)."""

    total_cents: int
    pretax_cents: int
    gst_cents: int
    qst_cents: int


class ChargeOut(ChargeLines):
    """One period's charge: a card is charged (a payroll deduction recorded) on `charged_on`,
    a bank account debited on `bank_debit_on` (PAD offerings: after the 10-day notice)."""

    period_start: date
    period_end: date
    prorated: bool
    charged_on: date
    bank_debit_on: date | None


class PricePreviewOut(BaseModel):
    """What « Récapitulatif » shows: the first charge and the monthly one after it."""

    offering_id: int
    billing_mode: BillingMode
    monthly_price_cents: int
    start: date
    approved_on: date
    first_charge: ChargeOut
    next_charge: ChargeOut


class OccupancyRow(BaseModel):
    """One offering of one site: its spaces, requests and this month's billed amount."""

    site_id: int
    site_name: str
    establishment: str
    offering_id: int
    offering_code: str
    offering_name: str
    billing_mode: BillingMode
    capacity: int
    active: int = Field(description="running subscriptions already started")
    starting_later: int = Field(description="approved subscriptions starting after today")
    free: int
    pending: int = Field(description="requests waiting for a decision")
    oldest_pending_at: datetime | None
    waitlist: int = Field(default=0, description="people on the waitlist: in line or offered")
    billed_cents: int | None = Field(default=None, description="invoiced this month, TTC")


class OccupancyOut(BaseModel):
    month: date
    today: date
    billed_available: bool
    rows: list[OccupancyRow]
