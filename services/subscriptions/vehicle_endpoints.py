"""Mes véhicules (`/v1/vehicles`): the caller's vehicles only."""

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from servicekit.auth import CurrentPrincipal
from servicekit.db import SessionDep
from servicekit.errors import DomainError
from services.subscriptions import outbox, vehicles
from services.subscriptions import repository as repo
from services.subscriptions.dependencies import Components, ComponentsDep
from services.subscriptions.errors import WorkflowUnavailable
from services.subscriptions.schemas import ModificationCreated, VehicleIn, VehicleOut
from services.subscriptions.views import vehicle_out

router = APIRouter(prefix="/v1/vehicles", tags=["vehicles"])


@router.get("", response_model=list[VehicleOut])
async def list_vehicles(session: SessionDep, principal: CurrentPrincipal) -> list[VehicleOut]:
    """The caller's vehicles (two at most)."""
    return [vehicle_out(v) for v in await repo.vehicles_of(session, principal.account_id)]


@router.post("", status_code=201, response_model=VehicleOut)
async def add_vehicle(
    body: VehicleIn, session: SessionDep, principal: CurrentPrincipal
) -> VehicleOut:
    """Enregistrer mon véhicule (the plate normalised: `abc 123-4` -> `ABC123`)."""
    return vehicle_out(await vehicles.add(session, principal.account_id, body))


@router.put(
    "/{vehicle_id}",
    response_model=VehicleOut,
    responses={202: {"model": ModificationCreated}},
)
async def edit_vehicle(
    vehicle_id: str, body: VehicleIn, parts: ComponentsDep, principal: CurrentPrincipal
) -> VehicleOut | JSONResponse:
    """Éditer: applied at once, or a modification request when an active subscription has it."""
    async with parts.transaction() as session:
        result = await vehicles.update(session, principal.account_id, vehicle_id, body)
        if not isinstance(result, list):
            return vehicle_out(result)
        entries = [outbox.add_modification(session, sub, mod) for sub, mod in result]
        await session.flush()
    await _tell_workflows(parts, [entry.id for entry in entries])
    ids = [modification for _, modification in result]
    created = ModificationCreated(modification_id=ids[0], modification_ids=ids)
    return JSONResponse(created.model_dump(), status_code=202)


async def _tell_workflows(parts: Components, entry_ids: list[int]) -> None:
    """Each subscription's workflow hears of its request (through the outbox, so a crash
    cannot lose one); when one refuses, the others are withdrawn too and the refusal is the
    answer."""
    for index, entry_id in enumerate(entry_ids):
        try:
            await outbox.deliver(parts, entry_id)
        except WorkflowUnavailable:
            continue  # the relay tells it in a few seconds
        except DomainError:
            await outbox.abandon(parts, entry_ids[index + 1 :])
            raise


@router.delete("/{vehicle_id}", status_code=204)
async def delete_vehicle(
    vehicle_id: str, session: SessionDep, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """Supprimer (refused for the only vehicle of an active or pending subscription)."""
    await vehicles.delete(session, parts.plates, principal.account_id, vehicle_id)
    return Response(status_code=204)
