"""Subscriptions' tables."""

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


# A subscription in one of these states keeps its account from being deleted.
BLOCKING_STATUSES = ("pending_approval", "active")


class Subscription(Base):
    """A subscription request and, once approved, the subscription itself."""

    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(24), default="pending_approval")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
