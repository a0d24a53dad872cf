"""Payments' tables: payment methods, charges, invoices, the ledger and operator adjustments.

Claim notices keep their tables in `services/payments/claims/models.py`, on this same `Base`.
"""

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, date: Date}


METHOD_KINDS = ("card", "pad")
CHARGE_STATUSES = ("pending", "paid", "declined", "recorded")
INVOICE_STATUSES = ("paid", "unpaid", "credited", "payroll")
LEDGER_KINDS = ("invoice", "payment", "payroll", "adjustment", "return", "refund")
ADJUSTMENT_KINDS = ("payment", "credit")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PaymentMethod(Base):
    """A card (the gateway's token, never the number) or a bank account for pre-authorized debits.

    A deleted method keeps its row (charges refer to it) but loses its specimen file.
    """

    __tablename__ = "payment_methods"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    holder_name: Mapped[str] = mapped_column(String(200))
    # Card: what PCI DSS lets us keep.
    gateway_token: Mapped[str | None] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(20))
    last4: Mapped[str | None] = mapped_column(String(4))
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    # PAD: the full account number is needed to debit it (the CPA-005 file), so it is kept sealed
    # (servicekit.secrets_box, PAYMENTS_DATA_KEY); only its last 4 digits leave the service.
    institution: Mapped[str | None] = mapped_column(String(3))
    transit: Mapped[str | None] = mapped_column(String(5))
    account_number_encrypted: Mapped[str | None] = mapped_column(Text)
    account_last4: Mapped[str | None] = mapped_column(String(4))
    payer_type: Mapped[str | None] = mapped_column(String(8))
    agreement_version: Mapped[str | None] = mapped_column(String(20))
    agreement_accepted_at: Mapped[datetime | None]
    specimen_file: Mapped[str | None] = mapped_column(String(80))
    specimen_media_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(_one_of("kind", METHOD_KINDS), "kind"),
        CheckConstraint(
            "payer_type IS NULL OR payer_type IN ('personal', 'business')", "payer_type"
        ),
    )


class Charge(Base):
    """One charge request, unique by its idempotency key: the row is written (status `pending`)
    before the gateway is called, so a duplicate finds it and waits for its outcome."""

    __tablename__ = "charges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    payment_method_id: Mapped[str | None] = mapped_column(ForeignKey("payment_methods.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    amount_cents: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decline_code: Mapped[str | None] = mapped_column(String(40))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    # The invoice this charge created, or (a retry) the unpaid invoice it pays again; an
    # invoice's `charge_id` stays its first charge.
    invoice_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # A retry that found its invoice already settled: `paid`, but no money moved (no gateway
    # call, no debit in the CPA-005 file).
    settled_before: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the current attempt started: a pending charge whose attempt is stale (a crash between
    # the gateway and the final write) is taken over by the next call with the same key.
    attempt_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(_one_of("status", CHARGE_STATUSES), "status"),
        CheckConstraint("amount_cents >= 0", "amount_not_negative"),
    )


class Invoice(Base):
    """An invoice (taxes included, backed out on its lines); a paid one also has a receipt."""

    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    charge_id: Mapped[str] = mapped_column(ForeignKey("charges.id"), unique=True)
    description: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date]
    period_end: Mapped[date]
    total_cents: Mapped[int] = mapped_column(Integer)
    pretax_cents: Mapped[int] = mapped_column(Integer)
    gst_cents: Mapped[int] = mapped_column(Integer)
    qst_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    method_kind: Mapped[str | None] = mapped_column(String(4))
    method_last4: Mapped[str | None] = mapped_column(String(4))
    receipt_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(_one_of("status", INVOICE_STATUSES), "status"),
        CheckConstraint("pretax_cents + gst_cents + qst_cents = total_cents", "taxes_add_up"),
    )


class Adjustment(Base):
    """A manual payment or credit, with the reason (the audit record): an operator's, or a
    credit the billing workflow asked for (`operator_id` "system", unique idempotency key)."""

    __tablename__ = "adjustments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[str] = mapped_column(String(36))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    subscription_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(_one_of("kind", ADJUSTMENT_KINDS), "kind"),
        CheckConstraint("amount_cents > 0", "amount_positive"),
    )


class LedgerEntry(Base):
    """One movement of an account's balance: positive is owed, negative is paid or credited."""

    __tablename__ = "ledger_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[str | None] = mapped_column(ForeignKey("invoices.id"))
    adjustment_id: Mapped[str | None] = mapped_column(ForeignKey("adjustments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint(_one_of("kind", LEDGER_KINDS), "kind"),)


class NumberSequence(Base):
    """The last number given in a series ("invoice", "receipt"), bumped under a row lock."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
