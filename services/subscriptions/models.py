"""Subscriptions' tables: the catalog, vehicles, subscriptions and what happens to them."""

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.db import UTCDateTime, new_metadata, utcnow
from servicekit.lifecycle import BLOCKING_STATUSES, RUNNING_STATUSES, STATUSES, Status


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, date: Date}


__all__ = ["BLOCKING_STATUSES", "RUNNING_STATUSES", "STATUSES"]
MAX_VEHICLES = 2
# A temporary vehicle: `active` until its last day is over (`ended`) or its owner removes it.
TEMPORARY_STATUSES = ("active", "removed", "ended")
MAX_TEMPORARY_DAYS = 14


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Site(Base):
    """A parking site or organisation ("#1534"); `plate` sites recognise licence plates."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    establishment: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    access_type: Mapped[str] = mapped_column(String(8))

    __table_args__ = (CheckConstraint(_one_of("access_type", ("card", "plate")), "access_type"),)


class UserCategory(Base):
    """A category of user at a site ("Employé du CISSSO", "Cadre", "Résident")."""

    __tablename__ = "user_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class Offering(Base):
    """A subscription offered at a site to a category ("#7117"), price taxes included."""

    __tablename__ = "offerings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("user_categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description_fr: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    monthly_price_cents: Mapped[int] = mapped_column(Integer)
    billing_mode: Mapped[str] = mapped_column(String(8))
    notice_days: Mapped[int] = mapped_column(Integer, default=30)
    capacity: Mapped[int] = mapped_column(Integer)
    visibility: Mapped[str] = mapped_column(String(10), default="public")
    # How long the first person on the waitlist has to confirm a space offered to them.
    waitlist_confirm_hours: Mapped[int] = mapped_column(Integer, default=72, server_default="72")

    site: Mapped[Site] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("monthly_price_cents >= 0", "price_not_negative"),
        CheckConstraint("notice_days >= 0", "notice_not_negative"),
        CheckConstraint("capacity >= 0", "capacity_not_negative"),
        CheckConstraint(_one_of("billing_mode", ("pad", "payroll")), "billing_mode"),
        CheckConstraint(_one_of("visibility", ("public", "restricted")), "visibility"),
        CheckConstraint("waitlist_confirm_hours > 0", "waitlist_confirm_hours_positive"),
    )


class OfferingGrant(Base):
    """A restricted offering made visible to one account by an operator."""

    __tablename__ = "offering_grants"

    offering_id: Mapped[int] = mapped_column(
        ForeignKey("offerings.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(36))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vehicle(Base):
    """One of an account's vehicles; the database keeps at most two (slots 1 and 2)."""

    __tablename__ = "vehicles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36))
    slot: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    color: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str] = mapped_column(String(7), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("account_id", "slot", name="uq_vehicles_account_slot"),
        UniqueConstraint("account_id", "plate", name="uq_vehicles_account_plate"),
        CheckConstraint(f"slot BETWEEN 1 AND {MAX_VEHICLES}", "slot"),
    )


class Subscription(Base):
    """A subscription request and, once approved, the subscription itself."""

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    contract_number: Mapped[str] = mapped_column(String(8), unique=True)
    status: Mapped[str] = mapped_column(String(24), default=Status.PENDING_APPROVAL.value)
    requested_start: Mapped[date]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    employee_number: Mapped[str] = mapped_column(String(50))
    terms_accepted_at: Mapped[datetime]
    approval_understood_at: Mapped[datetime]
    consent_version: Mapped[str] = mapped_column(String(20))
    # Copied from the offering when the request is made: the terms the subscriber agreed to.
    billing_mode: Mapped[str] = mapped_column(String(8))
    monthly_price_cents: Mapped[int] = mapped_column(Integer)
    notice_days: Mapped[int] = mapped_column(Integer)
    # The payments service's method a `pad` subscription is debited from (None for payroll).
    payment_method_id: Mapped[str | None] = mapped_column(String(36))
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    cancellation_requested_for: Mapped[date | None]
    cancellation_effective: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    offering: Mapped[Offering] = relationship(lazy="joined")
    vehicles: Mapped[list["SubscriptionVehicle"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SubscriptionVehicle.position"
    )

    __table_args__ = (
        CheckConstraint(_one_of("status", STATUSES), "status"),
        # Capacity counts and the operators' queue.
        Index("ix_subscriptions_offering_status", "offering_id", "status"),
        Index("ix_subscriptions_status_created", "status", "created_at"),
        # One pending request per account and offering, even under concurrent submissions.
        Index(
            "uq_subscriptions_one_pending",
            "account_id",
            "offering_id",
            unique=True,
            sqlite_where=text("status = 'pending_approval'"),
            postgresql_where=text("status = 'pending_approval'"),
        ),
    )


class SubscriptionVehicle(Base):
    """A vehicle covered by a subscription (one or two)."""

    __tablename__ = "subscription_vehicles"

    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    vehicle_id: Mapped[str] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=1)

    vehicle: Mapped[Vehicle] = relationship(lazy="joined")


class ModificationRequest(Base):
    """A change of vehicles or of offering on an active subscription, decided by an operator."""

    __tablename__ = "modification_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"))
    # JSON: the vehicle ids that replace the subscription's, or one vehicle's new details.
    vehicle_ids: Mapped[str | None] = mapped_column(Text)
    vehicle_update: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(
            _one_of("status", ("pending", "applied", "refused", "withdrawn")), "status"
        ),
        Index(
            "uq_modification_requests_one_pending",
            "subscription_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class Contract(Base):
    """The subscription contract, generated once as a PDF and kept."""

    __tablename__ = "contracts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), unique=True
    )
    language: Mapped[str] = mapped_column(String(2))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    idempotency_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who changed a subscription, when, from which state to which."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(36))
    actor_role: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    # The key of the operator's form that asked for this decision: its retry answers 200.
    request_key: Mapped[str | None] = mapped_column(String(100))


class TemporaryVehicle(Base):
    """A rental or a loaner on an active subscription for a few days (14 at most), outside the
    two-vehicle limit. The plate check accepts it only from `start_date` to `end_date`
    (inclusive, Montréal days); its workflow (`temporary-vehicle-<id>`) marks it `ended` when
    the last day is over, or it is `removed` earlier by its owner."""

    __tablename__ = "temporary_vehicles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    year: Mapped[int] = mapped_column(Integer)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(60))
    color: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str] = mapped_column(String(7), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(8), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(_one_of("status", TEMPORARY_STATUSES), "status"),
        CheckConstraint("end_date >= start_date", "dates_in_order"),
    )


# A place on an offering's waitlist (`waitlist.py`): `waiting` in line (rank by id), `offered` a
# space until `offer_expires_at`, `confirmed` by its owner (the operator decides next),
# `approved`; `lapsed` (offer not confirmed in time) and `left` (request withdrawn, refused,
# expired) are out of the list.
WAITLIST_STATUSES = ("waiting", "offered", "confirmed", "approved", "lapsed", "left")
# The entries that hold one of the offering's spaces besides its active subscriptions.
WAITLIST_HOLDING = ("offered", "confirmed")


class WaitlistEntry(Base):
    """A request made on a full offering, in the order requests were submitted."""

    __tablename__ = "waitlist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id"))
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint(_one_of("status", WAITLIST_STATUSES), "status"),
        Index("ix_waitlist_entries_offering_status", "offering_id", "status", "id"),
    )


OUTBOX_KINDS = ("start", "modification", "temporary", "decision", "waitlist")


class LifecycleOutbox(Base):
    """What the workflow must hear of, written in the same transaction as the row it concerns.

    `start`: the request's workflow is to be started; `modification`: its workflow is to be told
    of a modification request; `temporary`: the temporary vehicle's workflow (its end timer)
    is to be started; `decision`: the workflow is to be told of the operator's decision,
    recorded here; `waitlist`: the waitlist workflow of `offering_id` is to be told a space may
    be free (it offers it and emails the person). The request's own answer does it at once and
    deletes the entry; when that process dies first, the relay (`outbox.py`) does it within
    seconds.
    """

    __tablename__ = "lifecycle_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    modification_id: Mapped[str | None] = mapped_column(String(36))
    temporary_vehicle_id: Mapped[str | None] = mapped_column(String(36))
    offering_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (CheckConstraint(_one_of("kind", OUTBOX_KINDS), "kind"),)
