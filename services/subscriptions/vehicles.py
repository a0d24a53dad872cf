"""Vehicles ("Mes véhicules"): at most two per account, kept by the database itself."""

import json
import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.lifecycle import Status
from services.subscriptions import repository as repo
from services.subscriptions.errors import (
    ModificationPending,
    PlateDuplicate,
    VehicleInUse,
    VehicleLimit,
    VehicleNotFound,
)
from services.subscriptions.models import (
    BLOCKING_STATUSES,
    MAX_VEHICLES,
    ModificationRequest,
    Vehicle,
)
from services.subscriptions.plates import PlateIndex
from services.subscriptions.schemas import VehicleIn


async def require_owned(session: AsyncSession, account_id: str, vehicle_id: str) -> Vehicle:
    """The caller's vehicle; someone else's answers the same 404 as a missing one."""
    vehicle = await repo.owned_vehicle(session, account_id, vehicle_id)
    if vehicle is None:
        raise VehicleNotFound()
    return vehicle


async def add(session: AsyncSession, account_id: str, data: VehicleIn) -> Vehicle:
    """Register a vehicle in a free slot; a third one is refused (by the unique slot if two
    requests race: the loser's insert fails and is reported the same way)."""
    owned = await repo.vehicles_of(session, account_id)
    if any(v.plate == data.plate for v in owned):
        raise PlateDuplicate("plate")
    free = sorted(set(range(1, MAX_VEHICLES + 1)) - {v.slot for v in owned})
    if not free:
        raise VehicleLimit()
    vehicle = Vehicle(
        id=str(uuid.uuid4()), account_id=account_id, slot=free[0], **data.model_dump()
    )
    session.add(vehicle)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise (VehicleLimit() if "slot" in str(exc.orig) else PlateDuplicate("plate")) from exc
    return vehicle


async def update(
    session: AsyncSession, account_id: str, vehicle_id: str, data: VehicleIn
) -> Vehicle | list[tuple[str, str]]:
    """Edit a vehicle; on an active subscription the change waits for an operator instead
    (returns the (subscription, modification request) pairs recorded, one per subscription)."""
    vehicle = await require_owned(session, account_id, vehicle_id)
    owned = await repo.vehicles_of(session, account_id)
    if any(v.plate == data.plate and v.id != vehicle.id for v in owned):
        raise PlateDuplicate("plate")
    active = await repo.subscriptions_with_vehicle(session, vehicle.id, (Status.ACTIVE.value,))
    if active:
        return await _request_changes(session, account_id, [s.id for s in active], vehicle, data)
    for field, value in data.model_dump().items():
        setattr(vehicle, field, value)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise PlateDuplicate("plate") from exc
    return vehicle


async def _request_changes(
    session: AsyncSession,
    account_id: str,
    subscription_ids: list[str],
    vehicle: Vehicle,
    data: VehicleIn,
) -> list[tuple[str, str]]:
    ids = []
    for subscription_id in subscription_ids:
        if await repo.pending_modification(session, subscription_id) is not None:
            raise ModificationPending()
        row = ModificationRequest(
            id=str(uuid.uuid4()),
            subscription_id=subscription_id,
            account_id=account_id,
            vehicle_update=json.dumps({"vehicle_id": vehicle.id, **data.model_dump()}),
        )
        session.add(row)
        ids.append((subscription_id, row.id))
    await session.flush()
    return ids


async def delete(
    session: AsyncSession, plates: PlateIndex, account_id: str, vehicle_id: str
) -> None:
    """Remove a vehicle, unless it is the only one of an active or pending subscription."""
    vehicle = await require_owned(session, account_id, vehicle_id)
    for sub in await repo.subscriptions_with_vehicle(session, vehicle.id, BLOCKING_STATUSES):
        if len(sub.vehicles) <= 1:
            raise VehicleInUse()
    await session.delete(vehicle)
    await session.flush()
    await plates.invalidate_after_commit(session)


async def owned_set(
    session: AsyncSession, account_id: str, vehicle_ids: Sequence[str]
) -> list[Vehicle]:
    """The caller's vehicles with these ids, in order; 404 if any is not theirs."""
    return [await require_owned(session, account_id, vid) for vid in vehicle_ids]
