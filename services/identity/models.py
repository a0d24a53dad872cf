"""Identity's tables: accounts, profiles, single-use links, refresh tokens, login failures,
ended sessions and the proofs of account erasures."""

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="user")
    language: Mapped[str] = mapped_column(String(2), default="fr")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]
    # When the sessions last ended (logout, password change, reset): kept for the record.
    tokens_not_before: Mapped[datetime | None]
    # Counts the ends of sessions; every access token carries it (`sv`) and one below it is
    # refused, whatever the clock says (a token issued in the same second as a logout too).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_email_sent_at: Mapped[datetime | None]
    emails_this_hour: Mapped[int] = mapped_column(Integer, default=0)
    email_hour_started_at: Mapped[datetime | None]

    profile: Mapped["Profile | None"] = relationship(
        back_populates="account", cascade="all, delete-orphan", lazy="selectin"
    )


class Profile(Base):
    __tablename__ = "profiles"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    gender: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    address_line1: Mapped[str] = mapped_column(String(200))
    apartment: Mapped[str | None] = mapped_column(String(20))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(7))
    mobile_phone: Mapped[str | None] = mapped_column(String(16))
    home_phone: Mapped[str | None] = mapped_column(String(16))
    home_phone_ext: Mapped[str | None] = mapped_column(String(10))
    work_phone: Mapped[str | None] = mapped_column(String(16))
    work_phone_ext: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(back_populates="profile")


class OneTimeToken(Base):
    """A verification or reset link's token, kept only as its SHA-256."""

    __tablename__ = "one_time_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_one_time_tokens_account_purpose", "account_id", "purpose"),)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed login, counted per scope (`services/identity/login_throttle.py`)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_login_failures_scope_time", "scope", "occurred_at"),)


class SessionCutoff(Base):
    """An account's ended sessions, published to the other services (`servicekit.revocation`).

    No foreign key: a deleted account's row stays (`closed`) until its last token has expired.
    """

    __tablename__ = "session_cutoffs"

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_version: Mapped[int] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ErasureProof(Base):
    """What one service erased or anonymised for a deleted account, and when (Law 25 proof).

    Holds no personal data: the account's random id, the service, counts of records.
    """

    __tablename__ = "erasure_proofs"

    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service: Mapped[str] = mapped_column(String(20), primary_key=True)
    erased_at: Mapped[datetime]
    # JSON: {"erased": {record: count}, "anonymised": {record: count}}
    summary: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
