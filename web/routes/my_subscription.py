"""MON ABONNEMENT: the subscriptions of the account, their detail ("Détails de l'abonnement"),
cancellation and its withdrawal, withdrawal of a pending request, modification requests and the
contract download. The request journey ("Créer un nouvel abonnement") is in `subscriptions.py`.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.clock import today
from servicekit.lifecycle import RUNNING_STATUSES
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, PaymentsDep, SubscriptionsDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import pick, translator
from web.journey import MINE
from web.payment_forms import payment_facts
from web.presenters import as_int, parse_date
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])


@router.get(MINE)
async def my_subscriptions(
    request: Request, account: AccountDep, subs: SubscriptionsDep
) -> Response:
    """The account's subscription, or the list when there are several."""
    found = await account.call(subs.subscriptions)
    if len(found) == 1:
        return see_other(f"{MINE}/{found[0]['id']}")
    return render(request, "subscriptions/list.html", {"subscriptions": found})


@router.get(f"{MINE}/annulation")
async def cancellation_form(
    request: Request, account: AccountDep, subs: SubscriptionsDep, abonnement: str = ""
) -> Response:
    """ "Transmettre une demande d'annulation": the service and the date."""
    context = await _cancellation_context(account, subs)
    context["values"] = {"subscription_id": abonnement, "date": ""}
    if len(context["cancellable"]) == 1:
        context["values"]["subscription_id"] = context["cancellable"][0]["id"]
    return render(request, "subscriptions/cancel.html", context)


async def _cancellation_context(account: Account, subs: SubscriptionsClient) -> dict[str, Any]:
    found = await account.call(subs.subscriptions)
    cancellable = [
        s
        for s in found
        if s.get("status") in RUNNING_STATUSES and not s.get("cancellation_effective")
    ]
    return {"cancellable": cancellable, "today": today().isoformat()}


@router.post(f"{MINE}/annulation")
async def cancellation(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """First the effective date the notice clause gives (preview), then, confirmed, the request."""
    form = await request.form()
    subscription_id = str(form.get("subscription_id") or "")
    chosen = str(form.get("date") or "").strip()
    confirmed = form.get("confirm") == "yes"
    language = account.session.language
    t = translator(language)
    context = await _cancellation_context(account, subs)
    context["values"] = {"subscription_id": subscription_id, "date": chosen}
    errors: dict[str, str] = {}
    if not any(s["id"] == subscription_id for s in context["cancellable"]):
        errors["subscription_id"] = t("cancel.error.service")
    picked = parse_date(chosen)
    if picked is None:
        errors["date"] = t("journey.error.start_date")
    elif picked < today():
        errors["date"] = t("cancel.error.past")
    if errors:
        context["errors"] = errors
        return render(request, "subscriptions/cancel.html", context, status_code=422)
    try:
        if not confirmed:
            preview = await account.call(subs.cancellation_preview, subscription_id, chosen)
            context["preview"] = preview
            return render(request, "subscriptions/cancel.html", context)
        await account.call(subs.cancel, subscription_id, chosen)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context.update(error_context(exc, language, rename={"requested": "date"}))
        return render(request, "subscriptions/cancel.html", context, status_code=exc.status)
    account.session.notice = "notice.cancellation_sent"
    return see_other(f"{MINE}/{subscription_id}")


@router.get(f"{MINE}/{{subscription_id}}")
async def subscription_detail(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    payments: PaymentsDep,
    subscription_id: str,
) -> Response:
    """ "Détails de l'abonnement", with its payment method and the balance ("Solde")."""
    found = await account.call(subs.subscription, subscription_id)
    others = await account.call(subs.subscriptions)
    context = {"sub": found, "several": len(others) > 1}
    context.update(await payment_facts(account, payments, found))
    return render(request, "subscriptions/detail.html", context)


@router.get(f"{MINE}/{{subscription_id}}/annuler-la-demande")
async def withdrawal_confirm(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """ "Annuler cette demande de service": ask for confirmation first."""
    found = await account.call(subs.subscription, subscription_id)
    return render(request, "subscriptions/withdraw.html", {"sub": found})


@router.post(f"{MINE}/{{subscription_id}}/annuler-la-demande")
async def withdrawal(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """Withdraw the pending request."""
    return await _act_on_subscription(
        request,
        account,
        subs,
        subscription_id,
        action=subs.withdraw,
        page="subscriptions/withdraw.html",
        notice="notice.request_withdrawn",
    )


@router.post(f"{MINE}/{{subscription_id}}/liste-attente/confirmer")
async def confirm_waitlist(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """ "Confirmer ma place": the space the waitlist offers, before its deadline."""
    return await _act_on_subscription(
        request,
        account,
        subs,
        subscription_id,
        action=subs.confirm_waitlist,
        page="subscriptions/detail.html",
        notice="notice.waitlist_confirmed",
    )


@router.post(f"{MINE}/{{subscription_id}}/annulation/retrait")
async def withdraw_cancellation(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """Withdraw a scheduled cancellation before its date."""
    return await _act_on_subscription(
        request,
        account,
        subs,
        subscription_id,
        action=subs.withdraw_cancellation,
        page="subscriptions/detail.html",
        notice="notice.cancellation_withdrawn",
    )


async def _act_on_subscription(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    subscription_id: str,
    *,
    action: Callable[..., Awaitable[Any]],
    page: str,
    notice: str,
) -> Response:
    """Run one action on a subscription: back to its page with a notice, or the page again with
    the service's refusal (a 404 stays a 404)."""
    try:
        await account.call(action, subscription_id)
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        found = await account.call(subs.subscription, subscription_id)
        context = {"sub": found, "form_error": pick(exc.message, account.session.language)}
        return render(request, page, context, status_code=exc.status)
    account.session.notice = notice
    return see_other(f"{MINE}/{subscription_id}")


@router.get(f"{MINE}/{{subscription_id}}/contrat")
async def contract(account: AccountDep, subs: SubscriptionsDep, subscription_id: str) -> Response:
    """ "Télécharger mon contrat" (PDF)."""
    found = await account.call(subs.subscription, subscription_id)
    content = await account.call(subs.contract, subscription_id)
    name = f"contrat-{found.get('contract_number') or subscription_id}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type="application/pdf", headers=headers)


# "Transmettre une demande de modification"
async def _modification_page(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    sub: dict[str, Any],
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    site_id = (sub.get("site") or {}).get("id") or sub.get("site_id")
    offerings = await account.call(subs.offerings, site_id) if site_id else []
    current_vehicles = [v.get("id") for v in sub.get("vehicles") or []]
    current_offering = (sub.get("offering") or {}).get("id") or sub.get("offering_id")
    context: dict[str, Any] = {
        "sub": sub,
        "offerings": offerings,
        "vehicles": await account.call(subs.vehicles),
        "selected_offering": current_offering,
        "selected_vehicles": current_vehicles,
    }
    context.update(extra or {})
    return render(request, "subscriptions/modify.html", context, status_code=status)


@router.get(f"{MINE}/{{subscription_id}}/modification")
async def modification_form(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """Change of vehicles or of offering at the same site."""
    sub = await account.call(subs.subscription, subscription_id)
    return await _modification_page(request, account, subs, sub)


@router.post(f"{MINE}/{{subscription_id}}/modification")
async def modification(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """Send the modification request; an operator decides it."""
    sub = await account.call(subs.subscription, subscription_id)
    form = await request.form()
    offering_id = as_int(form.get("offering_id"))
    vehicle_ids = sorted({str(x) for x in form.getlist("vehicle_ids") if x})
    current_offering = (sub.get("offering") or {}).get("id") or sub.get("offering_id")
    current_vehicles = sorted(str(v.get("id")) for v in sub.get("vehicles") or [])
    change: dict[str, Any] = {}
    if offering_id and offering_id != current_offering:
        change["offering_id"] = offering_id
    if vehicle_ids != current_vehicles:
        change["vehicle_ids"] = vehicle_ids
    t = translator(account.session.language)
    extra: dict[str, Any] = {"selected_offering": offering_id, "selected_vehicles": vehicle_ids}
    if not change:
        extra["form_error"] = t("modify.error.nothing")
        return await _modification_page(request, account, subs, sub, extra, 422)
    if "vehicle_ids" in change and not 1 <= len(vehicle_ids) <= 2:
        extra["errors"] = {"vehicle_ids": t("journey.error.vehicles")}
        return await _modification_page(request, account, subs, sub, extra, 422)
    try:
        await account.call(subs.request_modification, subscription_id, change)
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        extra.update(error_context(exc, account.session.language))
        return await _modification_page(request, account, subs, sub, extra, exc.status)
    account.session.notice = "notice.modification_sent"
    return see_other(f"{MINE}/{subscription_id}")
