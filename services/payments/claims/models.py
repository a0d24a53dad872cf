"""Claim notices and their receipts."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.db import utcnow
from services.payments.models import Base

# `paying`: claimed by one payment while its charge is under way; `authenticating`: the charge
# waits for the payer's 3-D Secure challenge (`payment_reference`). Neither is ever shown:
# reads say unpaid until the charge is captured.
STATUSES = ("unpaid", "paying", "authenticating", "paid")


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
    status: Mapped[str] = mapped_column(String(16), default="unpaid")
    # Bumped after each declined attempt: the gateway's idempotency key is (notice, attempt).
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None]
    # The gateway's charge of the current attempt while it is `authenticating` (kept after).
    payment_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    paid_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("amount_cents > 0", "amount_positive"),
        CheckConstraint(f"status IN {STATUSES!r}", "status"),
    )


class ClaimPayment(Base):
    """One attempt at paying a notice, written before the gateway is asked: what settling it
    later needs (the return page, the webhook or the next attempt may do it, after a crash).

    `id` is the opaque reference of the portal's return page (no plate in the address);
    `card_token` is the gateway's reusable token (never a number), kept while the attempt is in
    flight so one whose answer was lost is asked again under its own key and parameters;
    emptied once the attempt is settled.
    """

    __tablename__ = "claim_payments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("claim_notices.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    card_token: Mapped[str] = mapped_column(String(200))
    card_brand: Mapped[str] = mapped_column(String(12))
    card_last4: Mapped[str] = mapped_column(String(4))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    gateway_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("notice_id", "attempt"),)


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
