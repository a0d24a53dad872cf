"""« Véhicule temporaire » (`/v1/subscriptions/{id}/temporary-vehicles`) and the end its
workflow asks for (`/internal/v1/temporary-vehicles/{id}/end`)."""

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from servicekit.auth import CurrentPrincipal, ServiceCaller
from servicekit.db import SessionDep
from services.subscriptions import outbox, temporary_timer, temporary_vehicles
from services.subscriptions.dependencies import ComponentsDep
from services.subscriptions.errors import WorkflowUnavailable
from services.subscriptions.schemas import TemporaryVehicleIn, TemporaryVehicleOut

router = APIRouter(prefix="/v1/subscriptions", tags=["temporary vehicles"])
internal_router = APIRouter(
    prefix="/internal/v1/temporary-vehicles", tags=["internal"], dependencies=[ServiceCaller]
)


class TemporaryVehicleEnded(BaseModel):
    """What the end timer's activity gets back."""

    temporary_vehicle_id: str
    outcome: Literal["ended", "removed"]


@router.post(
    "/{subscription_id}/temporary-vehicles", status_code=201, response_model=TemporaryVehicleOut
)
async def add_temporary_vehicle(
    subscription_id: str,
    body: TemporaryVehicleIn,
    parts: ComponentsDep,
    principal: CurrentPrincipal,
) -> TemporaryVehicleOut:
    """Add a rental or a loaner for its days (14 at most, from today): its plate is accepted on
    those days only, and it is not one of the two vehicles. Its end timer is started through
    the outbox (the relay does it if this process dies first)."""
    async with parts.transaction() as session:
        vehicle = await temporary_vehicles.add(
            session, parts.plates, principal.account_id, subscription_id, body
        )
        entry = outbox.add_temporary_vehicle(session, subscription_id, vehicle.id)
        await session.flush()
        created = temporary_vehicles.temporary_out(vehicle)
    try:
        await outbox.deliver(parts, entry.id)
    except WorkflowUnavailable:
        pass  # the relay starts the timer within seconds; the dates already hold
    return created


@router.delete("/{subscription_id}/temporary-vehicles/{vehicle_id}", status_code=204)
async def remove_temporary_vehicle(
    subscription_id: str, vehicle_id: str, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """Remove it before its end: its plate is refused at once."""
    async with parts.transaction() as session:
        await temporary_vehicles.remove(
            session, parts.plates, principal.account_id, subscription_id, vehicle_id
        )
    await temporary_timer.tell_removed(parts.lifecycle, vehicle_id)
    return Response(status_code=204)


@internal_router.post("/{vehicle_id}/end", response_model=TemporaryVehicleEnded)
async def end_temporary_vehicle(
    vehicle_id: str, session: SessionDep, parts: ComponentsDep
) -> TemporaryVehicleEnded:
    """Its last day is over (its timer asks; a repeat answers the same)."""
    vehicle = await temporary_vehicles.end(session, parts.plates, vehicle_id)
    outcome: Literal["ended", "removed"] = "removed" if vehicle.status == "removed" else "ended"
    return TemporaryVehicleEnded(temporary_vehicle_id=vehicle.id, outcome=outcome)
