"""« Véhicule temporaire »: a rental or a loaner on an active subscription for a few days.

Outside the two-vehicle limit (its own table, not a slot). The plate check accepts its plate
only from its first to its last day (Montréal dates, `plates.py` checks them on every answer);
its workflow `temporary-vehicle-<id>` marks it `ended` once the last day is over, and its owner
may remove it earlier. One at a time per subscription. Never commits.
"""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import today
from servicekit.db import utcnow
from servicekit.errors import FieldError
from servicekit.i18n import bilingual
from servicekit.lifecycle import Status
from services.subscriptions import repository as repo
from services.subscriptions.errors import (
    NotActive,
    PlateDuplicate,
    SubscriptionNotFound,
    TemporaryVehicleExists,
    TemporaryVehicleNotFound,
)
from services.subscriptions.models import MAX_TEMPORARY_DAYS, TemporaryVehicle
from services.subscriptions.plates import PlateIndex
from services.subscriptions.schemas import TemporaryVehicleIn, TemporaryVehicleOut


def check_days(start: date, end: date) -> None:
    """The end on or after the start, 14 days at most counting both (the start's own rule, not
    in the past, is the schema's)."""
    if end < start:
        raise FieldError("end_date", "end_before_start")
    if (end - start).days + 1 > MAX_TEMPORARY_DAYS:
        raise FieldError("end_date", "temporary_too_long")


async def add(
    session: AsyncSession,
    plates: PlateIndex,
    account_id: str,
    subscription_id: str,
    data: TemporaryVehicleIn,
) -> TemporaryVehicle:
    """Add the temporary vehicle to the caller's active subscription (its row locked, so two
    adds at once cannot both pass the one-at-a-time rule)."""
    check_days(data.start_date, data.end_date)
    sub = await repo.subscription(session, subscription_id, lock=True)
    if sub is None or sub.account_id != account_id:
        raise SubscriptionNotFound()
    if sub.status != Status.ACTIVE:
        raise NotActive()
    if any(link.vehicle.plate == data.plate for link in sub.vehicles):
        raise PlateDuplicate("plate")
    if await _current(session, sub.id):
        raise TemporaryVehicleExists()
    vehicle = TemporaryVehicle(
        id=str(uuid.uuid4()),
        subscription_id=sub.id,
        account_id=account_id,
        status="active",
        **data.model_dump(),
    )
    session.add(vehicle)
    await session.flush()
    await plates.invalidate_after_commit(session)
    return vehicle


async def _current(session: AsyncSession, subscription_id: str) -> bool:
    """An active temporary vehicle whose last day has not passed (a late timer's is over)."""
    query = select(TemporaryVehicle.id).where(
        TemporaryVehicle.subscription_id == subscription_id,
        TemporaryVehicle.status == "active",
        TemporaryVehicle.end_date >= today(),
    )
    return (await session.scalar(query.limit(1))) is not None


async def remove(
    session: AsyncSession, plates: PlateIndex, account_id: str, subscription_id: str, vid: str
) -> TemporaryVehicle:
    """Its owner removes it before its end (a repeat, or one already over, changes nothing)."""
    vehicle = await session.get(TemporaryVehicle, vid)
    if vehicle is None or (vehicle.account_id, vehicle.subscription_id) != (
        account_id,
        subscription_id,
    ):
        raise TemporaryVehicleNotFound()
    if vehicle.status == "active":
        vehicle.status, vehicle.ended_at = "removed", utcnow()
        await session.flush()
        await plates.invalidate_after_commit(session)
    return vehicle


async def end(session: AsyncSession, plates: PlateIndex, vid: str) -> TemporaryVehicle:
    """The workflow's timer: its last day is over (once; a removed one stays removed)."""
    vehicle = await session.get(TemporaryVehicle, vid, with_for_update=True)
    if vehicle is None:
        raise TemporaryVehicleNotFound()
    if vehicle.status == "active":
        vehicle.status, vehicle.ended_at = "ended", utcnow()
        await session.flush()
        await plates.invalidate_after_commit(session)
    return vehicle


async def of_subscription(
    session: AsyncSession, subscription_id: str
) -> Sequence[TemporaryVehicle]:
    query = (
        select(TemporaryVehicle)
        .where(TemporaryVehicle.subscription_id == subscription_id)
        .order_by(TemporaryVehicle.start_date.desc(), TemporaryVehicle.created_at.desc())
    )
    return (await session.scalars(query)).all()


def temporary_out(vehicle: TemporaryVehicle) -> TemporaryVehicleOut:
    label = bilingual(f"temporary.status.{vehicle.status}")
    return TemporaryVehicleOut.model_validate(
        {c: getattr(vehicle, c) for c in TemporaryVehicleOut.model_fields if c != "status_label"}
        | {"status_label": label}
    )
