"""The lifecycle outbox: no request stored without its workflow (docs/crash-safety.md).

A request and its outbox entry are committed together. The request's answer then starts the
workflow (or tells it of a modification) and deletes the entry. When the process dies between
the commit and Temporal, the entry stays, and `Relay` (every subscriptions process runs one)
does it within seconds of the service being up again. An action (`lifecycle_of(...)`) that
meets a workflow not started yet (`NOT_FOUND`) asks `start_now` first, so the request is
actionable at once.

Starting twice is harmless (`USE_EXISTING`); telling the workflow twice of a modification is
too (its update accepts the same id again).
"""

import asyncio
import logging
import weakref
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.errors import DomainError
from servicekit.lifecycle import Action
from services.subscriptions import service, temporary_timer, waitlist_kick
from services.subscriptions.dependencies import Components
from services.subscriptions.errors import InvalidTransition, WorkflowNotFound, WorkflowUnavailable
from services.subscriptions.lifecycle import Actor, SubscriptionLifecycle, workflow_input
from services.subscriptions.models import (
    BLOCKING_STATUSES,
    AuditEntry,
    LifecycleOutbox,
    Subscription,
    TemporaryVehicle,
)
from workflows.subscription.models import RecordedDecision, SubscriptionSnapshot

log = logging.getLogger(__name__)

# An entry younger than this is its request's own to deliver: the relay leaves it alone.
GRACE = timedelta(seconds=2)
RETRY_CAP = timedelta(seconds=10)  # the relay retries an entry Temporal refused this often
BATCH = 50
DELETE_EVERY = 0.5  # seconds: entries delivered after their answers are deleted together


def add_start(session: AsyncSession, subscription_id: str) -> LifecycleOutbox:
    """In the request's transaction: its workflow is to be started."""
    entry = LifecycleOutbox(subscription_id=subscription_id, kind="start", attempts=0)
    session.add(entry)
    return entry


def add_modification(
    session: AsyncSession, subscription_id: str, modification_id: str
) -> LifecycleOutbox:
    """In the modification's transaction: the workflow is to be told of it."""
    entry = LifecycleOutbox(
        subscription_id=subscription_id,
        kind="modification",
        modification_id=modification_id,
        attempts=0,
    )
    session.add(entry)
    return entry


def add_temporary_vehicle(
    session: AsyncSession, subscription_id: str, temporary_vehicle_id: str
) -> LifecycleOutbox:
    """In the temporary vehicle's transaction: its end timer is to be started."""
    entry = LifecycleOutbox(
        subscription_id=subscription_id,
        kind="temporary",
        temporary_vehicle_id=temporary_vehicle_id,
        attempts=0,
    )
    session.add(entry)
    return entry


def add_decision(session: AsyncSession, subscription_id: str) -> LifecycleOutbox:
    """In the decision's transaction: the workflow is to be told of it."""
    entry = LifecycleOutbox(subscription_id=subscription_id, kind="decision", attempts=0)
    session.add(entry)
    return entry


async def deliver(parts: Components, entry_id: int) -> None:
    """Do what the entry says, then delete it; a refusal no retry fixes withdraws the
    modification it concerns and is raised. `WorkflowUnavailable` leaves the entry."""
    if await _perform(parts, entry_id):
        async with parts.transaction() as session:
            await _delete(session, entry_id)


async def _perform(parts: Components, entry_id: int) -> bool:
    """`deliver` but the deletion of a delivered entry: whether there was one to deliver."""
    async with parts.read_transaction() as session:
        entry = await session.get(LifecycleOutbox, entry_id)
        if entry is None:
            return False  # delivered by someone else meanwhile
        kind, modification_id, offering_id = entry.kind, entry.modification_id, entry.offering_id
        sub = await service.require(session, entry.subscription_id)
        start = workflow_input(sub, parts.settings)
        temporary = await session.get(TemporaryVehicle, entry.temporary_vehicle_id or "")
        timer = temporary_timer.timer_input(temporary) if temporary is not None else None
        decider = await _decider(session, sub.id) if kind == "decision" else ""
    try:
        if kind == "start":
            await parts.lifecycle.start(start)
        elif kind == "temporary":
            if timer is not None:  # else erased meanwhile: nothing left to end
                await temporary_timer.start(parts.lifecycle, timer)
        elif kind == "waitlist":
            await waitlist_kick.tell(parts.lifecycle, offering_id or sub.offering_id)
        elif kind == "decision":
            operator = Actor.operator(decider)
            await lifecycle_of(parts, sub.id).decision_recorded(operator, recorded_decision(sub))
        else:
            await _tell_modification(parts, sub.id, sub.account_id, modification_id or "")
    except WorkflowUnavailable:
        await _postpone(parts, entry_id)
        raise
    except DomainError:
        async with parts.transaction() as session:
            await service.withdraw_modification(session, modification_id or "")
            await _delete(session, entry_id)
        raise
    return True


async def deliver_after_answer(parts: Components, entry_id: int) -> None:
    """`deliver` once the answer is sent (a background task): Temporal's answer, slow when the
    machine is busy, is kept out of the request's latency. What fails here stays for the relay
    (`WorkflowUnavailable`) or was already handled by `deliver` (a refusal). The delivered
    entry is deleted with the others delivered meanwhile (`Deletions`)."""
    try:
        if await _perform(parts, entry_id):
            deletions_of(parts).add(entry_id)
    except WorkflowUnavailable:
        log.info("outbox entry %s left to the relay: Temporal unavailable", entry_id)
    except DomainError as exc:
        log.warning("outbox entry %s refused after the answer: %s", entry_id, exc.code)


async def _tell_modification(
    parts: Components, subscription_id: str, account_id: str, modification_id: str
) -> None:
    told = SubscriptionLifecycle(parts.lifecycle, subscription_id)  # no outbox look: it is one
    await told.request_modification(Actor.user(account_id), modification_id)


async def start_now(parts: Components, subscription_id: str) -> bool:
    """Start the subscription's workflow from its outbox entry, if one waits (True then)."""
    async with parts.read_transaction() as session:
        query = select(LifecycleOutbox.id).where(
            LifecycleOutbox.subscription_id == subscription_id, LifecycleOutbox.kind == "start"
        )
        entry_id = (await session.execute(query)).scalars().first()
    if entry_id is None:
        return False
    await deliver(parts, entry_id)
    return True


async def abandon(parts: Components, entry_ids: list[int]) -> None:
    """Withdraw the modifications of these entries, never told to their workflows."""
    async with parts.transaction() as session:
        for entry_id in entry_ids:
            entry = await session.get(LifecycleOutbox, entry_id)
            if entry is not None:
                await service.withdraw_modification(session, entry.modification_id or "")
                await _delete(session, entry_id)


async def _decider(session: AsyncSession, subscription_id: str) -> str:
    """The operator who approved or refused the request (its audit entry): the relay signs the
    decision it tells again for that operator."""
    query = (
        select(AuditEntry.actor)
        .where(
            AuditEntry.subscription_id == subscription_id,
            AuditEntry.action.in_((Action.APPROVE, Action.REFUSE)),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none() or ""


def recorded_decision(sub: Subscription) -> RecordedDecision:
    """What the workflow adopts of a decided request (ids, status and terms: no personal data)."""
    snapshot = SubscriptionSnapshot(
        status=sub.status,
        start_date=sub.start_date,
        cancellation_effective=sub.cancellation_effective,
        billing_mode=sub.billing_mode,
        offering_id=sub.offering_id,
        monthly_price_cents=sub.monthly_price_cents,
        account_id=sub.account_id,
        payment_method_id=sub.payment_method_id,
    )
    return RecordedDecision(snapshot=snapshot, reason=sub.refusal_reason)


def lifecycle_of(parts: Components, subscription_id: str) -> SubscriptionLifecycle:
    """The subscription's workflow actions; a workflow the outbox has yet to start is started
    first."""
    return SubscriptionLifecycle(parts.lifecycle, subscription_id, _Recovery(parts))


class _Recovery:
    """What `SubscriptionLifecycle` does when the workflow is not found."""

    def __init__(self, parts: Components) -> None:
        self._parts = parts

    async def start_waiting(self, subscription_id: str) -> None:
        await start_now(self._parts, subscription_id)

    async def missing(self, subscription_id: str) -> DomainError:
        return await _missing(self._parts, subscription_id)


async def _missing(parts: Components, subscription_id: str) -> DomainError:
    """No workflow and none to start: over (the state changed meanwhile), or lost (said loudly,
    never hidden behind `invalid_transition`)."""
    async with parts.read_transaction() as session:
        sub = await service.require(session, subscription_id)
        status = sub.status
    if status not in BLOCKING_STATUSES:
        return InvalidTransition(current_status=status)
    log.error("subscription %s is %s but Temporal has no workflow for it", subscription_id, status)
    return WorkflowNotFound()


async def _delete(session: AsyncSession, entry_id: int) -> None:
    await session.execute(delete(LifecycleOutbox).where(LifecycleOutbox.id == entry_id))


async def _postpone(parts: Components, entry_id: int) -> None:
    async with parts.transaction() as session:
        entry = await session.get(LifecycleOutbox, entry_id)
        if entry is not None:
            entry.attempts += 1
            wait = min(timedelta(seconds=2**entry.attempts), RETRY_CAP)
            entry.next_attempt_at = utcnow() + wait


async def relay_once(parts: Components) -> int:
    """Deliver the entries whose request did not (its process died); how many were done."""
    async with parts.read_transaction() as session:
        query = (
            select(LifecycleOutbox.id)
            .where(
                LifecycleOutbox.next_attempt_at <= utcnow(),
                LifecycleOutbox.created_at <= utcnow() - GRACE,
            )
            .order_by(LifecycleOutbox.id)
            .limit(BATCH)
        )
        due = list((await session.execute(query)).scalars())
    pending = deletions_of(parts).pending
    due = [entry_id for entry_id in due if entry_id not in pending]  # delivered already
    done = 0
    for entry_id in due:
        try:
            await deliver(parts, entry_id)
            done += 1
        except WorkflowUnavailable:
            return done  # Temporal is away: the rest waits for the next round
        except DomainError as exc:
            log.warning("outbox entry %s refused: %s", entry_id, exc.code)
    if done:
        log.info("outbox relay delivered %d entr%s", done, "y" if done == 1 else "ies")
    return done


class Relay:
    """Runs `relay_once` every `period` seconds for the app's lifetime."""

    def __init__(self, parts: Components, period: float) -> None:
        self._parts, self._period = parts, period
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await deletions_of(self._parts).close()

    async def _loop(self) -> None:
        while True:
            try:
                await relay_once(self._parts)
            except Exception:  # a database hiccup must not end the relay
                log.exception("outbox relay round failed")
            await asyncio.sleep(self._period)


class Deletions:
    """The entries delivered after their answers, deleted together: one write transaction every
    `DELETE_EVERY` seconds for all of them, where each took one of its own, queued for the
    write lock behind the requests (issue 14: about one write transaction in four of a
    lifecycle). Until then the relay leaves them alone (`pending`); a process that dies first
    leaves them to the relay, which delivers them again (harmless, as for any relayed entry).
    """

    def __init__(self, parts: Components) -> None:
        self._parts = parts
        self.pending: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, entry_id: int) -> None:
        self.pending.add(entry_id)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._later())

    async def _later(self) -> None:
        await asyncio.sleep(DELETE_EVERY)
        await self.flush()

    async def flush(self) -> None:
        """Delete every pending entry now (also when the app stops)."""
        ids = sorted(self.pending)
        if not ids:
            return
        try:
            async with self._parts.transaction() as session:
                query = delete(LifecycleOutbox).where(LifecycleOutbox.id.in_(ids))
                await session.execute(query)
        except Exception:  # a database hiccup: the next round, or the relay, deletes them
            log.exception("deleting %d delivered outbox entries failed", len(ids))
            if self.pending:
                self._schedule_retry()
            return
        self.pending.difference_update(ids)
        if self.pending:  # more arrived meanwhile
            self._schedule_retry()

    def _schedule_retry(self) -> None:
        self._task = asyncio.create_task(self._later())

    async def close(self) -> None:
        """The app stops: what is pending is deleted now."""
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._task = None
        await self.flush()


_DELETIONS: "weakref.WeakKeyDictionary[object, Deletions]" = weakref.WeakKeyDictionary()


def deletions_of(parts: Components) -> Deletions:
    """The app's pending deletions (one per sessionmaker: one per app)."""
    found = _DELETIONS.get(parts.sessions)
    if found is None:
        found = _DELETIONS[parts.sessions] = Deletions(parts)
    return found
