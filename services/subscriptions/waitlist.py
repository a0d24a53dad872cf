"""Waitlists: a request on a full offering waits in line, in the order requests were submitted.

A space is free when the offering's running subscriptions plus the spaces held by the waitlist
(an offer not yet answered, an offer confirmed and waiting for the operator) are fewer than its
capacity. Everything that counts spaces does so under the offering's row lock (`SELECT ... FOR
NO KEY UPDATE` on PostgreSQL, SQLite's write transaction), so two spaces freed at the same moment
are offered to two different people and one space is never offered twice. Requests and approvals
take it last in their transaction and count in one statement: every other request and decision on
the offering waits for it (tests/subscriptions/test_offering_lock.py).

The offering's workflow (`waitlist-<offering id>`, workflows/waitlist/) runs the rounds: it is
told through the outbox (`waitlist` entries, written in the transaction that freed the space or
added someone to the list) and calls `run_round` at its own time. An offer not confirmed before
its deadline lapses: the person drops out of the list (an email says so) and the space goes to
the next person. The operator approves only a request whose offer was confirmed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.lifecycle import Status
from services.subscriptions import repository as repo
from services.subscriptions.errors import NotOffered, OfferExpired, OfferingNotFound, Waitlisted
from services.subscriptions.models import (
    WAITLIST_HOLDING,
    LifecycleOutbox,
    Offering,
    Subscription,
    WaitlistEntry,
)
from services.subscriptions.waitlist_schemas import OfferOut, RoundOut, WaitlistOut

OPEN = ("waiting", "offered", "confirmed")  # still in the list


async def entry_of(session: AsyncSession, subscription_id: str) -> WaitlistEntry | None:
    query = select(WaitlistEntry).where(WaitlistEntry.subscription_id == subscription_id)
    return await session.scalar(query.execution_options(populate_existing=True))


async def _count(session: AsyncSession, offering_id: int, statuses: tuple[str, ...]) -> int:
    query = select(func.count()).where(
        WaitlistEntry.offering_id == offering_id, WaitlistEntry.status.in_(statuses)
    )
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class Spaces:
    """An offering's spaces as counted under its row lock."""

    free: int  # neither taken by a running subscription nor held by the waitlist
    waiting: int  # people in line not yet offered a space


async def spaces(session: AsyncSession, offering: Offering) -> Spaces:
    """Count in one statement, under the offering's row lock: on PostgreSQL every other request
    and decision on the offering waits for that lock, each round trip under it longer (issue
    14). Not in the statement that locks: in READ COMMITTED its snapshot predates the wait, so
    it would miss what the previous holder committed."""

    def entries(statuses: tuple[str, ...]):  # type: ignore[no-untyped-def]
        return (
            select(func.count())
            .where(WaitlistEntry.offering_id == offering.id, WaitlistEntry.status.in_(statuses))
            .scalar_subquery()
        )

    query = select(
        repo.active_count_query(offering.id).scalar_subquery(),
        entries(WAITLIST_HOLDING),
        entries(("waiting",)),
    )
    taken, held, waiting = (await session.execute(query)).one()
    return Spaces(free=offering.capacity - int(taken) - int(held), waiting=int(waiting))


async def waiting_count(session: AsyncSession, offering_id: int) -> int:
    return await _count(session, offering_id, ("waiting",))


def add_kick(session: AsyncSession, subscription_id: str, offering_id: int) -> LifecycleOutbox:
    """In the transaction that changed the list or freed a space: the offering's waitlist
    workflow is to be told (the outbox relay does it within seconds if the caller does not)."""
    entry = LifecycleOutbox(
        subscription_id=subscription_id, kind="waitlist", offering_id=offering_id, attempts=0
    )
    session.add(entry)
    return entry


async def join_if_full(session: AsyncSession, sub: Subscription) -> WaitlistOut | None:
    """A new request joins the offering's waitlist when no space is free, or when people are
    already waiting (they were first); its place in line, None when it does not wait.

    The request's last step: the offering's row stays locked from here to the commit, so the
    caller writes and reads everything else first; under the lock are only the count and, in
    line, the entry and its outbox kick."""
    offering = await repo.lock_offering(session, sub.offering_id)
    if offering is None:
        raise OfferingNotFound()
    counted = await spaces(session, offering)
    if counted.free > 0 and not counted.waiting:
        return None
    entry = WaitlistEntry(offering_id=offering.id, subscription_id=sub.id, status="waiting")
    session.add(entry)
    add_kick(session, sub.id, offering.id)
    await session.flush()
    # Entries are added only under this lock: everyone counted waiting is ahead (`rank`).
    return WaitlistOut(
        status="waiting", rank=counted.waiting + 1, confirm_hours=offering.waitlist_confirm_hours
    )


async def rank(session: AsyncSession, entry: WaitlistEntry) -> int:
    """1 + the people waiting ahead (entries are numbered in the order requests came)."""
    query = select(func.count()).where(
        WaitlistEntry.offering_id == entry.offering_id,
        WaitlistEntry.status == "waiting",
        WaitlistEntry.id < entry.id,
    )
    return int(await session.scalar(query) or 0) + 1


async def view(session: AsyncSession, sub: Subscription) -> WaitlistOut | None:
    """The request's place in line as its owner sees it; None when it never waited."""
    entry = await entry_of(session, sub.id)
    if entry is None:
        return None
    return WaitlistOut(
        status=entry.status,
        rank=await rank(session, entry) if entry.status == "waiting" else None,
        offered_at=entry.offered_at,
        offer_expires_at=entry.offer_expires_at if entry.status == "offered" else None,
        confirm_hours=sub.offering.waitlist_confirm_hours,
    )


async def approve(session: AsyncSession, sub: Subscription) -> None:
    """The operator approves a waitlisted request only once its owner confirmed the offer
    (409 `waitlisted` before); the held space is then the active subscription's."""
    entry = await entry_of(session, sub.id)
    if entry is None:
        return
    if entry.status in ("waiting", "offered", "lapsed"):
        raise Waitlisted()
    if entry.status == "confirmed":
        entry.status, entry.decided_at = "approved", utcnow()


async def check_expirable(session: AsyncSession, sub: Subscription) -> None:
    """A request still in line (waiting, or its offer not yet answered) does not expire while it
    waits: the operator could not approve it before its turn. Once confirmed (the operator may
    approve) or lapsed (out of the list), it expires as any undecided request."""
    entry = await entry_of(session, sub.id)
    if entry is not None and entry.status in ("waiting", "offered"):
        raise Waitlisted()


async def space_freed(session: AsyncSession, sub: Subscription, offering_id: int) -> None:
    """`sub` no longer takes or holds a space of `offering_id` (ended, refused, withdrawn,
    expired, moved away): its own entry leaves the list, and the workflow is told when
    someone waits. In the state change's transaction."""
    entry = await entry_of(session, sub.id)
    if entry is not None and entry.offering_id == offering_id and entry.status in OPEN:
        entry.status, entry.decided_at = "left", utcnow()
    if await _count(session, offering_id, ("waiting", "offered")):
        add_kick(session, sub.id, offering_id)


async def confirm(session: AsyncSession, sub: Subscription, now: datetime | None = None) -> None:
    """« Confirmer ma place »: the owner takes the space offered, before its deadline."""
    entry = await entry_of(session, sub.id)
    if entry is None or sub.status != Status.PENDING_APPROVAL:
        raise NotOffered()
    if entry.status == "confirmed":
        return  # a second click: done already
    if entry.status == "lapsed":
        raise OfferExpired()
    if entry.status != "offered":
        raise NotOffered()
    deadline = entry.offer_expires_at
    if deadline is not None and (now or utcnow()) >= deadline:
        raise OfferExpired()  # the workflow has not passed it on yet: it will
    entry.status, entry.decided_at = "confirmed", now or utcnow()


async def run_round(session: AsyncSession, offering_id: int, now: datetime) -> RoundOut:
    """Lapse the offers past their deadline, then offer each free space to the next person
    waiting, all under the offering's row lock. The answer lists every offer out (the workflow
    emails those it has not yet), so a repeated round, or one whose answer was lost, loses no
    email and offers nothing twice."""
    offering = await repo.lock_offering(session, offering_id)
    if offering is None:
        raise OfferingNotFound()
    lapsed = await _lapse(session, offering_id, now)
    free = (await spaces(session, offering)).free
    if free > 0:
        for entry in await _first_waiting(session, offering_id, free):
            entry.status, entry.offered_at = "offered", now
            entry.offer_expires_at = now + timedelta(hours=offering.waitlist_confirm_hours)
    await session.flush()
    out = await _with_status(session, offering_id, "offered")
    return RoundOut(
        offered=[_out(entry) for entry in out],
        lapsed=lapsed,
        next_deadline=min((e.offer_expires_at for e in out if e.offer_expires_at), default=None),
        waiting=await waiting_count(session, offering_id),
    )


async def _with_status(session: AsyncSession, offering_id: int, status: str) -> list[WaitlistEntry]:
    query = select(WaitlistEntry).where(
        WaitlistEntry.offering_id == offering_id, WaitlistEntry.status == status
    )
    return list((await session.scalars(query.order_by(WaitlistEntry.id))).all())


async def _lapse(session: AsyncSession, offering_id: int, now: datetime) -> list[OfferOut]:
    lapsed = []
    for entry in await _with_status(session, offering_id, "offered"):
        if entry.offer_expires_at is not None and entry.offer_expires_at <= now:
            entry.status, entry.decided_at = "lapsed", now
            lapsed.append(_out(entry))
    return lapsed


async def _first_waiting(session: AsyncSession, offering_id: int, n: int) -> list[WaitlistEntry]:
    """The first `n` people waiting whose request still waits for a decision."""
    query = (
        select(WaitlistEntry)
        .join(Subscription, Subscription.id == WaitlistEntry.subscription_id)
        .where(
            WaitlistEntry.offering_id == offering_id,
            WaitlistEntry.status == "waiting",
            Subscription.status == Status.PENDING_APPROVAL,
        )
        .order_by(WaitlistEntry.id)
        .limit(n)
    )
    return list((await session.scalars(query)).all())


def _out(entry: WaitlistEntry) -> OfferOut:
    return OfferOut(
        entry_id=entry.id,
        subscription_id=entry.subscription_id,
        offer_expires_at=entry.offer_expires_at,
    )
