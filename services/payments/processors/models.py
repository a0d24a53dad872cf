"""The processor's tables on payments' `Base`: refunds paid back to a card, and the webhook
events received (each once: the event id is the key)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.db import utcnow
from services.payments.models import Base

REFUND_STATUSES = ("requested", "pending", "succeeded", "failed")


class Refund(Base):
    """Credit paid back to the card of a captured charge, asked for by an operator.

    `requested`: written (and the ledger's `refund` entry with it) before the processor is
    called; `pending` until its webhook confirms; `failed` puts the credit back on the balance.
    """

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # RB00000001, for the audit
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    charge_id: Mapped[str] = mapped_column(ForeignKey("charges.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10), default="requested")
    gateway_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in REFUND_STATUSES)})", "status"),
        CheckConstraint("amount_cents > 0", "amount_positive"),
    )


class ProcessorEvent(Base):
    """A webhook event, recorded once (a redelivery finds its row and changes nothing)."""

    __tablename__ = "processor_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    processor: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str | None] = mapped_column(String(100))
    # What it changed: `charge_confirmed`, `charge_mismatch`, `refund_succeeded`, `ignored`...
    outcome: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
