"""« Véhicule temporaire » on MON ABONNEMENT: add a rental or a loaner for its days (14 at
most), remove it before its end. The service checks every rule; this page shows its refusals
next to their fields."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.clock import today
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import pick
from web.journey import MINE
from web.subscriptions_client import SubscriptionsClient
from web.templating import render
from web.vehicle_forms import vehicle_body, vehicle_error_context, vehicle_form_values

router = APIRouter(dependencies=[Depends(require_csrf)])

PAGE = "subscriptions/temporary.html"
DATES = ("start_date", "end_date")


async def _form(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    subscription_id: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    sub = await account.call(subs.subscription, subscription_id)
    first = today().isoformat()
    context: dict[str, Any] = {
        "sub": sub,
        "values": {"start_date": first, "end_date": first},
        "errors": {},
        "form_error": None,
        "today": first,
    }
    context.update(extra or {})
    return render(request, PAGE, context, status_code=status)


@router.get(f"{MINE}/{{subscription_id}}/vehicule-temporaire")
async def temporary_form(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """The form: the vehicle, its first and last day."""
    return await _form(request, account, subs, subscription_id)


@router.post(f"{MINE}/{{subscription_id}}/vehicule-temporaire")
async def add_temporary(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """ "Ajouter": back to the subscription with a notice, or the form with the refusal."""
    form = await request.form()
    values = vehicle_form_values(form) | {k: str(form.get(k) or "").strip() for k in DATES}
    body = vehicle_body(values) | {k: values[k] or None for k in DATES}
    try:
        await account.call(subs.add_temporary_vehicle, subscription_id, body)
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        context = vehicle_error_context(exc, account.session.language) | {"values": values}
        return await _form(request, account, subs, subscription_id, context, exc.status)
    account.session.notice = "notice.temporary_added"
    return see_other(f"{MINE}/{subscription_id}")


@router.post(f"{MINE}/{{subscription_id}}/vehicule-temporaire/{{vehicle_id}}/retrait")
async def remove_temporary(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    subscription_id: str,
    vehicle_id: str,
) -> Response:
    """ "Retirer": its plate is refused from now on."""
    try:
        await account.call(subs.remove_temporary_vehicle, subscription_id, vehicle_id)
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        sub = await account.call(subs.subscription, subscription_id)
        context = {"sub": sub, "form_error": pick(exc.message, account.session.language)}
        return render(request, "subscriptions/detail.html", context, status_code=exc.status)
    account.session.notice = "notice.temporary_removed"
    return see_other(f"{MINE}/{subscription_id}")
