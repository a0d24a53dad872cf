""" "Mes véhicules" (PARAMÈTRES): list, add (2 at most), edit ("Éditer"), delete ("Supprimer")."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import pick
from web.subscriptions_client import SubscriptionsClient
from web.templating import render
from web.vehicle_forms import vehicle_body, vehicle_error_context, vehicle_form_values

router = APIRouter(dependencies=[Depends(require_csrf)])

VEHICLES = "/parametres/vehicules"
MAX_VEHICLES = 2


async def _page(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    vehicles = await account.call(subs.vehicles)
    active = [s for s in await account.call(subs.subscriptions) if s.get("status") == "active"]
    context: dict[str, Any] = {
        "vehicles": vehicles,
        # « Véhicule temporaire »: outside the two, added and removed on each subscription's page
        "active_subscriptions": active,
        "can_add": len(vehicles) < MAX_VEHICLES,
        "editing": None,
        "vehicle_errors": {},
    }
    context.update(extra or {})
    return render(request, "vehicles/list.html", context, status_code=status)


@router.get(VEHICLES)
async def vehicles_page(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """The account's vehicles; `?ajout=1` opens the add form."""
    return await _page(request, account, subs, {"adding": request.query_params.get("ajout")})


@router.post(VEHICLES)
async def add_vehicle(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """Register another vehicle ("Continuer")."""
    values = vehicle_form_values(await request.form())
    try:
        await account.call(subs.add_vehicle, vehicle_body(values))
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = vehicle_error_context(exc, account.session.language)
        context.update(values=values, adding=True)
        return await _page(request, account, subs, context, exc.status)
    account.session.notice = "notice.vehicle_added"
    return see_other(VEHICLES)


@router.get(f"{VEHICLES}/{{vehicle_id}}")
async def vehicle_page(
    request: Request, account: AccountDep, subs: SubscriptionsDep, vehicle_id: str
) -> Response:
    """One vehicle, with "Éditer" and "Supprimer"."""
    vehicles = await account.call(subs.vehicles)
    vehicle = next((v for v in vehicles if v.get("id") == vehicle_id), None)
    if vehicle is None:
        return see_other(VEHICLES)
    values = {k: str(vehicle.get(k) or "") for k in ("year", "make", "model", "color", "plate")}
    return await _page(request, account, subs, {"editing": vehicle, "values": values})


@router.post(f"{VEHICLES}/{{vehicle_id}}")
async def edit_vehicle(
    request: Request, account: AccountDep, subs: SubscriptionsDep, vehicle_id: str
) -> Response:
    """ "Éditer": on an active subscription the change becomes a modification request."""
    values = vehicle_form_values(await request.form())
    try:
        answer = await account.call(subs.update_vehicle, vehicle_id, vehicle_body(values))
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        context = vehicle_error_context(exc, account.session.language)
        context.update(values=values, editing={"id": vehicle_id, **values})
        return await _page(request, account, subs, context, exc.status)
    modification = isinstance(answer, dict) and "modification_id" in answer
    account.session.notice = (
        "notice.vehicle_change_requested" if modification else ("notice.vehicle_updated")
    )
    return see_other(VEHICLES)


@router.post(f"{VEHICLES}/{{vehicle_id}}/suppression")
async def delete_vehicle(
    request: Request, account: AccountDep, subs: SubscriptionsDep, vehicle_id: str
) -> Response:
    """ "Supprimer"; refused for the only vehicle of a pending or active subscription."""
    try:
        await account.call(subs.delete_vehicle, vehicle_id)
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        message = pick(exc.message, account.session.language)
        return await _page(request, account, subs, {"vehicle_errors": {vehicle_id: message}}, 409)
    account.session.notice = "notice.vehicle_deleted"
    return see_other(VEHICLES)
