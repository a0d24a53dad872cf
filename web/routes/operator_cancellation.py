"""The operator cancels a running subscription for its subscriber (the service centre, by phone),
or withdraws that cancellation: what the Temporal Web UI's cancel and terminate would have done,
here with the notice clause, the subscriber's emails, and an audit entry naming the operator.
"""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.clock import today
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import pick, translator
from web.operator_console import CONSOLE, detail_page, forbidden, operator_me
from web.presenters import parse_date
from web.subscriptions_client import SubscriptionsClient

router = APIRouter(dependencies=[Depends(require_csrf)])

CANCELLATION = f"{CONSOLE}/demandes/{{subscription_id}}/annulation"


@router.post(CANCELLATION)
async def cancel(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """ "Annuler l'abonnement" at a date, for the subscriber."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    chosen = str((await request.form()).get("date") or "").strip()
    t = translator(account.session.language)
    picked = parse_date(chosen)
    error = None
    if picked is None:
        error = t("journey.error.start_date")
    elif picked < today():
        error = t("cancel.error.past")
    values = {"cancel_date": chosen}
    if error:
        extra = {"errors": {"cancel_date": error}, "values": values}
        return await detail_page(request, account, subs, subscription_id, extra, 422)
    return await _act(
        request, account, subs, subscription_id, values, "notice.operator_cancellation"
    )


@router.post(f"{CANCELLATION}/retrait")
async def withdraw(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """ "Retirer l'annulation", for the subscriber."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    return await _act(
        request, account, subs, subscription_id, None, "notice.operator_cancellation_withdrawn"
    )


async def _act(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    subscription_id: str,
    values: dict[str, str] | None,
    notice: str,
) -> Response:
    """Cancel (with `values`) or withdraw; a refusal is shown on the request's page."""
    try:
        if values is None:
            await account.call(subs.operator_withdraw_cancellation, subscription_id)
        else:
            await account.call(subs.operator_cancel, subscription_id, values["cancel_date"])
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        extra = {"form_error": pick(exc.message, account.session.language), "values": values or {}}
        return await detail_page(request, account, subs, subscription_id, extra, exc.status)
    account.session.notice = notice
    return see_other(f"{CONSOLE}/demandes/{subscription_id}")
