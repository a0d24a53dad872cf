"""The waitlist's bodies: a request's place in line, and a round of the offering's workflow."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

WaitlistStatus = Literal["waiting", "offered", "confirmed", "approved", "lapsed", "left"]


class WaitlistOut(BaseModel):
    """Where a request on a full offering stands in its waitlist (MON ABONNEMENT)."""

    status: WaitlistStatus
    # 1 for the first person waiting; only while `waiting`.
    rank: int | None = None
    offered_at: datetime | None = None
    # The space offered is kept until then; confirm before it (`POST .../waitlist/confirm`).
    offer_expires_at: datetime | None = None
    confirm_hours: int


class RoundIn(BaseModel):
    """One round of the offering's waitlist, at the workflow's time (`now`): offers past their
    deadline lapse, free spaces are offered to the first people waiting."""

    now: datetime


class OfferOut(BaseModel):
    """One entry the round changed: who to write to (the subscription) and the deadline."""

    entry_id: int
    subscription_id: str
    offer_expires_at: datetime | None = None


class RoundOut(BaseModel):
    """What a round did, and when the next one is due (the earliest offer's deadline)."""

    offered: list[OfferOut] = Field(default_factory=list)
    lapsed: list[OfferOut] = Field(default_factory=list)
    next_deadline: datetime | None = None
    waiting: int = 0
