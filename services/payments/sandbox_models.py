"""The sandbox gateway's own tables: what a processor keeps on its side, never the card number."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.db import utcnow
from services.payments.models import Base


class SandboxCard(Base):
    """A tokenised test card: its token, brand, last 4 digits, expiry and scripted behaviour."""

    __tablename__ = "sandbox_cards"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand: Mapped[str] = mapped_column(String(12))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("behaviour IN ('capture', 'decline', 'challenge')", "behaviour"),
    )


class SandboxCharge(Base):
    """A charge the sandbox answered, once per idempotency key (a repeat gets the same answer)."""

    __tablename__ = "sandbox_charges"

    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    token: Mapped[str] = mapped_column(ForeignKey("sandbox_cards.token"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    # `requires_action`: a customer-present charge of the challenge card, waiting for the
    # hosted challenge page (`hosted_card.challenge`), which sends the payer to `return_url`.
    status: Mapped[str] = mapped_column(String(16))
    decline_code: Mapped[str | None] = mapped_column(String(40))
    return_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "status IN ('captured', 'declined', 'requires_action', 'canceled')", "status"
        ),
    )


class SandboxSingleUseToken(Base):
    """What the hosted card page issued for a card typed there: usable once, for a few minutes.

    `behaviour` is the test number's script: `capture` and `decline` become a card's,
    `refuse` and `expired` are refusals the redemption answers (as a processor verifies a card
    when it is attached)."""

    __tablename__ = "sandbox_single_use_tokens"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    brand: Mapped[str] = mapped_column(String(12))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "behaviour IN ('capture', 'decline', 'refuse', 'expired', 'challenge')", "behaviour"
        ),
    )


class SandboxRefund(Base):
    """Money the sandbox paid back on one of its captured charges, once per idempotency key."""

    __tablename__ = "sandbox_refunds"

    reference: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    charge_reference: Mapped[str] = mapped_column(ForeignKey("sandbox_charges.reference"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (CheckConstraint("amount_cents > 0", "amount_positive"),)
