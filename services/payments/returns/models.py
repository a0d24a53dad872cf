"""The returns files imported and the debits they sent back, on payments' `Base`.

Idempotence is in the schema, not in a check before the insert: a file is unique by its SHA-256
(the same bytes imported twice find their first import), and a debit can be returned only once
(`charge_id` unique), even from two different files or two imports racing.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.db import utcnow
from services.payments.models import Base


class ReturnFile(Base):
    """One returns file, as imported (by an operator, or from the pickup folder)."""

    __tablename__ = "pad_return_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    items: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(36))  # an operator's account id, or "system"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PadReturn(Base):
    """A debit the bank sent back: its payment is reversed in the ledger, its invoice unpaid."""

    __tablename__ = "pad_returns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("pad_return_files.id"), index=True)
    charge_id: Mapped[str] = mapped_column(ForeignKey("charges.id"), unique=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("invoices.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(36))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str] = mapped_column(String(3))
    trace_number: Mapped[str] = mapped_column(String(22))
    due_date: Mapped[date]
    line: Mapped[int] = mapped_column(Integer)  # where it stands in the file: line, segment
    segment: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When its subscription's workflow was told (the outbox mark): a return not told yet (Temporal
    # was away) is told again by the next pickup run.
    told_at: Mapped[datetime | None] = mapped_column(index=True)
