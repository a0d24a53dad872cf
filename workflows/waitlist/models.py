"""The waitlist workflow's payloads: offering, entry and subscription ids and instants only."""

from datetime import datetime

from pydantic import BaseModel, Field


def workflow_id(offering_id: int) -> str:
    """The business key of an offering's waitlist."""
    return f"waitlist-{offering_id}"


class WaitlistInput(BaseModel):
    """Start (or continue-as-new): the offering, and the offers already emailed."""

    offering_id: int
    notified: list[int] = Field(default_factory=list)


class SpaceMayBeFree(BaseModel):
    """Signal: a space of the offering was freed, or someone joined its list: run a round."""

    offering_id: int


class RoundRequest(BaseModel):
    """The activity's argument: one round of the offering's list at the workflow's time."""

    offering_id: int
    now: datetime


class WaitlistOffer(BaseModel):
    """An entry the round offered a space to (or whose offer lapsed), and its deadline."""

    entry_id: int
    subscription_id: str
    offer_expires_at: datetime | None = None


class WaitlistRound(BaseModel):
    """What the service's round did: the offers out now, those that lapsed, the next deadline,
    and how many still wait."""

    offered: list[WaitlistOffer] = Field(default_factory=list)
    lapsed: list[WaitlistOffer] = Field(default_factory=list)
    next_deadline: datetime | None = None
    waiting: int = 0


class WaitlistResult(BaseModel):
    """How a run finished: nobody left waiting and no offer out (a new signal starts it again)."""

    offering_id: int
    rounds: int
