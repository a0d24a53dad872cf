"""Claim notices and their receipts."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.db import utcnow
from services.payments.models import Base

# `paying`: claimed by one payment while its charge is under way (never shown: reads say unpaid).
STATUSES = ("unpaid", "paying", "paid")


class ClaimNotice(Base):
    """An "avis de réclamation": a plate, a site, a date, an amount owed (taxes as issued)."""

    __tablename__ = "claim_notices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    plate: Mapped[str] = mapped_column(String(7), index=True)
    site_id: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="unpaid")
    # Bumped after each declined attempt: the gateway's idempotency key is (notice, attempt).
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("amount_cents > 0", "amount_positive"),
        CheckConstraint(f"status IN {STATUSES!r}", "status"),
    )


class ClaimReceipt(Base):
    """The receipt of a paid notice: the card's brand and last 4 digits, never its number."""

    __tablename__ = "claim_receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("claim_notices.id"), unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime]
    card_brand: Mapped[str] = mapped_column(String(12))
    card_last4: Mapped[str] = mapped_column(String(4))
    gateway_reference: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    # The page's language when it was paid: the receipt email's (none before migration 0005).
    language: Mapped[str | None] = mapped_column(String(2))
