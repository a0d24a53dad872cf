"""What a returns import answers, and what the workflow relay is told."""

from datetime import date

from pydantic import BaseModel


class ReturnedItemOut(BaseModel):
    """A debit the bank sent back, with the subscription whose payment it reverses."""

    id: str
    subscription_id: str
    account_id: str
    invoice_id: str
    invoice_number: str
    period_start: date
    period_end: date
    amount_cents: int
    reason_code: str
    new_details_needed: bool
    trace_number: str
    due_date: date
    line: int


class ReturnsImportOut(BaseModel):
    """One import: the file's returned debits; `duplicate` when these bytes were imported before
    (nothing changed this time); `already_returned` counts items an earlier file had returned."""

    file_id: str
    filename: str
    duplicate: bool
    items: list[ReturnedItemOut]
    total_cents: int
    already_returned: int


class BankDetailsRefusedOut(BaseModel):
    """The portal's banner: the bank refused the account of this method (closed, invalid...)."""

    payment_method_id: str | None
    subscription_id: str
    reason_code: str
    account_last4: str | None
