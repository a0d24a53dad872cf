"""State changes the workflow's activities make, each idempotent by its key and audited.

A repeat of a key answers the subscription as it is now, changing nothing. Each change locks the
subscription's row first, so concurrent calls queue; one that takes a space locks its offering's
row last, to count (`ensure_space`).
"""

import json
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import today
from servicekit.db import utcnow
from servicekit.lifecycle import Action, ActorRole, Status
from services.subscriptions import repository as repo
from services.subscriptions import waitlist
from services.subscriptions.errors import (
    InvalidTransition,
    ModificationNotFound,
    ModificationNotPending,
    OfferingFull,
    OfferingNotFound,
    SubscriptionNotFound,
    field_error,
)
from services.subscriptions.models import (
    RUNNING_STATUSES,
    AuditEntry,
    ModificationRequest,
    Offering,
    Subscription,
    SubscriptionVehicle,
    Vehicle,
)
from services.subscriptions.plates import PlateIndex
from services.subscriptions.schemas import TransitionIn
from workflows.subscription import billing

Handler = Callable[[AsyncSession, Subscription, TransitionIn], Awaitable[str | None]]
PENDING, ACTIVE, ARREARS = (Status.PENDING_APPROVAL,), (Status.ACTIVE,), (Status.IN_ARREARS,)
# Arrears never end a subscription by themselves: the user or an operator still cancels it.
RUNNING = RUNNING_STATUSES


def awaiting_decision(sub: Subscription) -> bool:
    """Pending approval: what the service's checks and its transitions table both ask."""
    return sub.status in PENDING


def actor_role(sub: Subscription, actor: str) -> str:
    """`system` for the workflow, `user` for the subscriber, `operator` for anyone else."""
    if actor == ActorRole.SYSTEM:
        return ActorRole.SYSTEM
    return ActorRole.USER if actor == sub.account_id else ActorRole.OPERATOR


def audit(
    session: AsyncSession,
    sub: Subscription,
    actor: str,
    action: str,
    from_status: str | None,
    detail: str | None = None,
    key: str | None = None,
    request_key: str | None = None,
) -> None:
    """Record who changed what, from which state to which."""
    session.add(
        AuditEntry(
            subscription_id=sub.id,
            actor=actor,
            actor_role=actor_role(sub, actor),
            action=action,
            from_status=from_status,
            to_status=sub.status,
            detail=detail,
            idempotency_key=key,
            request_key=request_key,
        )
    )


def effective_cancellation(requested: date, notice_days: int, now: date | None = None) -> date:
    """The later of the chosen date and today + the notice."""
    return max(requested, (now or today()) + timedelta(days=notice_days))


async def ensure_space(session: AsyncSession, offering_id: int) -> None:
    """Refuse when the offering's running subscriptions and the spaces its waitlist holds
    (offers out or confirmed) exceed its capacity, once the change that takes a space is
    flushed (the subscription counted among the running).

    The transition's last step: the offering's row lock is taken here and held until the
    commit, and on PostgreSQL every request and decision on the offering waits for it (issue
    14), so only the count runs under it."""
    offering = await repo.lock_offering(session, offering_id)
    if offering is None:
        raise OfferingNotFound()
    if (await waitlist.spaces(session, offering)).free < 0:
        raise OfferingFull()


async def _approve(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
    # 409 `waitlisted` until the offer is confirmed; the space is checked last (`apply_to`).
    await waitlist.approve(session, sub)
    sub.status, sub.decided_at = Status.ACTIVE, utcnow()
    sub.start_date = billing.first_period_start(sub.requested_start, today())
    return None


async def _refuse(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
    if not (data.reason and data.reason.strip()):
        raise field_error("reason", "reason_required")
    sub.status, sub.decided_at, sub.refusal_reason = Status.REFUSED, utcnow(), data.reason.strip()
    return data.reason.strip()


def _simple(status: str) -> Handler:
    async def handler(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
        sub.status = status
        return data.reason

    return handler


async def _expire(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
    """Nobody decided in time; a request waiting in line on the offering's waitlist (its space
    not yet offered, or offered and not yet answered) is not expired: nobody could approve it
    (`waitlist.check_approvable`). The workflow tries again later (`waitlisted`)."""
    await waitlist.check_expirable(session, sub)
    sub.status = Status.EXPIRED
    return data.reason


async def _schedule(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
    if data.date is None:
        raise field_error("date", "missing")
    sub.cancellation_requested_for = data.date
    sub.cancellation_effective = effective_cancellation(data.date, sub.notice_days)
    return f"requested {data.date.isoformat()}, effective {sub.cancellation_effective.isoformat()}"


async def _unschedule(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
    if sub.cancellation_effective is None:
        raise InvalidTransition()
    sub.cancellation_requested_for = sub.cancellation_effective = None
    return None


async def _end(session: AsyncSession, sub: Subscription, data: TransitionIn) -> str | None:
    sub.status = Status.ENDED
    sub.end_date = data.date or sub.cancellation_effective or today()
    return None


async def _pending_modification(
    session: AsyncSession, sub: Subscription, data: TransitionIn
) -> ModificationRequest:
    row = await repo.modification(session, data.modification_id or "")
    if row is None or row.subscription_id != sub.id:
        raise ModificationNotFound("modification_id")
    if row.status != "pending":
        raise ModificationNotPending()
    return row


async def _apply_modification(
    session: AsyncSession, sub: Subscription, data: TransitionIn
) -> str | None:
    row = await _pending_modification(session, sub, data)
    if row.offering_id is not None and row.offering_id != sub.offering_id:
        offering = await session.get(Offering, row.offering_id)  # its space: `apply_to`
        if offering is None:
            raise OfferingNotFound()
        sub.offering_id, sub.offering = offering.id, offering
        sub.billing_mode, sub.monthly_price_cents = (
            offering.billing_mode,
            offering.monthly_price_cents,
        )
        sub.notice_days = offering.notice_days
    if row.vehicle_ids:
        await _replace_vehicles(session, sub, json.loads(row.vehicle_ids))
    if row.vehicle_update:
        change = json.loads(row.vehicle_update)
        vehicle = await session.get(Vehicle, change.pop("vehicle_id"))
        if vehicle is not None:
            for field, value in change.items():
                setattr(vehicle, field, value)
    row.status, row.decided_at = "applied", utcnow()
    return f"modification {row.id}"


async def _replace_vehicles(session: AsyncSession, sub: Subscription, ids: list[str]) -> None:
    # Links kept are reused: deleting and re-adding the same key in one flush would collide.
    current = {link.vehicle_id: link for link in sub.vehicles}
    links = []
    for position, vehicle_id in enumerate(ids, 1):
        vehicle = await session.get(Vehicle, vehicle_id)
        if vehicle is None or vehicle.account_id != sub.account_id:
            continue  # deleted since the request: the others still apply
        link = current.get(vehicle_id) or SubscriptionVehicle(vehicle_id=vehicle_id)
        link.position = position
        links.append(link)
    if not links:
        raise InvalidTransition()
    sub.vehicles = links


async def _refuse_modification(
    session: AsyncSession, sub: Subscription, data: TransitionIn
) -> str | None:
    row = await _pending_modification(session, sub, data)
    row.status, row.decided_at, row.reason = "refused", utcnow(), data.reason
    return f"modification {row.id}: {data.reason or ''}".strip()


TRANSITIONS: dict[str, tuple[tuple[str, ...], Handler]] = {
    Action.APPROVE: (PENDING, _approve),
    Action.REFUSE: (PENDING, _refuse),
    Action.WITHDRAW: (PENDING, _simple(Status.WITHDRAWN)),
    Action.EXPIRE: (PENDING, _expire),
    Action.SCHEDULE_CANCELLATION: (RUNNING, _schedule),
    Action.WITHDRAW_CANCELLATION: (RUNNING, _unschedule),
    Action.END: (RUNNING, _end),
    Action.APPLY_MODIFICATION: (ACTIVE, _apply_modification),
    Action.REFUSE_MODIFICATION: ((*RUNNING, Status.ENDED), _refuse_modification),
    # The workflow's billing: the 4th decline of a card, then every outstanding invoice paid.
    Action.FALL_INTO_ARREARS: (ACTIVE, _simple(Status.IN_ARREARS)),
    Action.RECOVER: (ARREARS, _simple(Status.ACTIVE)),
}


# A request that leaves (its waitlist entry with it) or a subscription that ends: the next
# person on the offering's waitlist may be offered the space.
FREES_SPACE = (Action.REFUSE, Action.WITHDRAW, Action.EXPIRE, Action.END)
# An approval takes a space (so does a move to another offering): checked last, under the
# offering's row lock (`ensure_space`).
TAKES_SPACE = (Action.APPROVE,)


async def apply(
    session: AsyncSession, plates: PlateIndex, subscription_id: str, data: TransitionIn
) -> Subscription:
    """Make one state change once: a repeat of its key changes nothing."""
    sub = await repo.subscription(session, subscription_id, lock=True)
    if sub is None:
        raise SubscriptionNotFound()
    await apply_to(session, plates, sub, data)
    await session.refresh(sub)  # the snapshot the caller answers with, as stored
    return sub


async def apply_to(
    session: AsyncSession, plates: PlateIndex, sub: Subscription, data: TransitionIn
) -> None:
    """`apply` on a subscription this transaction already holds locked (the operator's
    decision locks and checks it first: loading it again is two more round trips)."""
    if await repo.audit_by_key(session, data.idempotency_key) is not None:
        return
    allowed, handler = TRANSITIONS[data.action]
    if sub.status not in allowed:
        raise InvalidTransition(current_status=sub.status)
    from_status, from_offering = sub.status, sub.offering_id
    detail = await handler(session, sub, data)
    if data.action in FREES_SPACE or sub.offering_id != from_offering:
        await waitlist.space_freed(session, sub, from_offering)
    audit(
        session,
        sub,
        data.actor,
        data.action,
        from_status,
        detail,
        data.idempotency_key,
        data.request_key,
    )
    await plates.invalidate_after_commit(session)
    await session.flush()
    if data.action in TAKES_SPACE or sub.offering_id != from_offering:
        await ensure_space(session, sub.offering_id)
