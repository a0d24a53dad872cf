"""Subscriptions: "Créer un nouvel abonnement" steps 1-4 (step 5, payment, is in `billing.py`;
step 6 and MON ABONNEMENT in `my_subscription.py`).

The request being built lives in the encrypted session (`Session.journey`): ids, the chosen date
and the employee number only. Each step is a plain form (GET forms to narrow the catalog, POST
forms to move on), so every page works without JavaScript.
"""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.clock import today
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import translator
from web.journey import (
    ADD,
    PAYMENT_STEP,
    draft_summary,
    journey,
    refused_request_context,
    request_body,
    request_sent,
    save_journey,
    with_price_preview,
)
from web.presenters import as_int, display_phone, parse_date
from web.subscriptions_client import SubscriptionsClient
from web.templating import render
from web.vehicle_forms import vehicle_body, vehicle_error_context, vehicle_form_values

router = APIRouter(dependencies=[Depends(require_csrf)])


def sites_by_establishment(sites: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Sites grouped under their establishment, in the service's order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for site in sites:
        groups.setdefault(str(site.get("establishment") or ""), []).append(site)
    return list(groups.items())


# Step 1: site, category, offering, start date, consents
async def _step1_context(
    account: Account,
    subs: SubscriptionsClient,
    site_id: int | None,
    category_id: int | None,
    offering_id: int | None,
) -> dict[str, Any]:
    sites = await account.call(subs.sites)
    site = next((s for s in sites if s.get("id") == site_id), None)
    categories: list[dict[str, Any]] = []
    offerings: list[dict[str, Any]] = []
    if site is not None:
        categories = await account.call(subs.categories, site["id"])
        if len(categories) == 1 and category_id is None:
            category_id = categories[0]["id"]
        if not any(c.get("id") == category_id for c in categories):
            category_id = None
        if category_id is not None:
            offerings = await account.call(subs.offerings, site["id"], category_id)
    if len(offerings) == 1 and offering_id is None:
        offering_id = offerings[0]["id"]
    return {
        "site_groups": sites_by_establishment(sites),
        "site": site,
        "categories": categories,
        "category_id": category_id if site is not None else None,
        "offerings": offerings,
        "offering_id": offering_id,
        "today": today().isoformat(),
    }


@router.get(ADD)
async def step1(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    site_id: str = "",
    category_id: str = "",
    offering_id: str = "",
) -> Response:
    """ "1. Sélectionnez un stationnement ou une organisation", then the category, the offering."""
    held = journey(account)
    if not (site_id or category_id or offering_id) and held.get("site_id"):
        site, category, offering = (
            held.get("site_id"),
            held.get("category_id"),
            held.get("offering_id"),
        )
    else:
        site, category, offering = as_int(site_id), as_int(category_id), as_int(offering_id)
    context = await _step1_context(account, subs, site, category, offering)
    context["values"] = {
        "start_date": held.get("start") or context["today"],
        "accept_terms": held.get("accept_terms"),
        "understand_approval": held.get("understand_approval"),
    }
    return render(request, "subscriptions/step1.html", context)


@router.post(ADD)
async def choose_offering(
    request: Request, account: AccountDep, subs: SubscriptionsDep
) -> Response:
    """ "Sélectionner cet abonnement": checked here, then kept in the session."""
    form = await request.form()
    site_id, category_id = as_int(form.get("site_id")), as_int(form.get("category_id"))
    offering_id = as_int(form.get("offering_id"))
    start_text = str(form.get("start_date") or "")
    accept, understand = bool(form.get("accept_terms")), bool(form.get("understand_approval"))
    t = translator(account.session.language)
    context = await _step1_context(account, subs, site_id, category_id, offering_id)
    errors: dict[str, str] = {}
    if context["site"] is None:
        errors["site_id"] = t("journey.error.site")
    if not any(o.get("id") == offering_id for o in context["offerings"]):
        errors["offering_id"] = t("journey.error.offering")
    start = parse_date(start_text)
    if start is None:
        errors["start_date"] = t("journey.error.start_date")
    elif start < today():
        errors["start_date"] = t("journey.error.start_past")
    if not accept:
        errors["accept_terms"] = t("journey.error.consent")
    if not understand:
        errors["understand_approval"] = t("journey.error.consent")
    if errors:
        context["errors"] = errors
        context["values"] = {
            "start_date": start_text,
            "accept_terms": accept,
            "understand_approval": understand,
        }
        return render(request, "subscriptions/step1.html", context, status_code=422)
    held = journey(account)
    if held.get("offering_id") != offering_id:
        held.pop("employee_number", None)
    held.update(
        site_id=site_id,
        category_id=context["category_id"],
        offering_id=offering_id,
        start=start_text,
        accept_terms=True,
        understand_approval=True,
    )
    save_journey(account, held)
    return see_other(f"{ADD}/vehicules")


# Step 2: vehicles


async def _step2_page(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    vehicles = await account.call(subs.vehicles)
    held = journey(account)
    selected = [v for v in held.get("vehicle_ids") or [] if any(x["id"] == v for x in vehicles)]
    if not selected and len(vehicles) == 1:
        selected = [vehicles[0]["id"]]
    context: dict[str, Any] = {"vehicles": vehicles, "selected": selected}
    context.update(extra or {})
    return render(request, "subscriptions/step2.html", context, status_code=status)


@router.get(f"{ADD}/vehicules")
async def step2(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """Choose 1 or 2 of the account's vehicles, or add one ("Ajouter un véhicule")."""
    if not journey(account).get("offering_id"):
        return see_other(ADD)
    return await _step2_page(request, account, subs, {"adding": request.query_params.get("ajout")})


@router.post(f"{ADD}/vehicules/ajout")
async def step2_add_vehicle(
    request: Request, account: AccountDep, subs: SubscriptionsDep
) -> Response:
    """ "Enregistrer mon véhicule": register it and select it for this request."""
    values = vehicle_form_values(await request.form())
    try:
        created = await account.call(subs.add_vehicle, vehicle_body(values))
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = vehicle_error_context(exc, account.session.language)
        context.update(values=values, adding=True)
        return await _step2_page(request, account, subs, context, exc.status)
    held = journey(account)
    chosen = [v for v in held.get("vehicle_ids") or [] if v != created.get("id")]
    held["vehicle_ids"] = [*chosen, created.get("id")][-2:]
    save_journey(account, held)
    account.session.notice = "notice.vehicle_added"
    return see_other(f"{ADD}/vehicules")


@router.post(f"{ADD}/vehicules")
async def choose_vehicles(
    request: Request, account: AccountDep, subs: SubscriptionsDep
) -> Response:
    """ "Continuer à l'étape suivante" with 1 or 2 vehicles."""
    form = await request.form()
    chosen = [str(v) for v in form.getlist("vehicle_ids")]
    vehicles = await account.call(subs.vehicles)
    known = {v["id"] for v in vehicles}
    ids = [v for v in chosen if v in known]
    t = translator(account.session.language)
    if not 1 <= len(ids) <= 2:
        held = journey(account)
        held["vehicle_ids"] = ids
        save_journey(account, held)
        errors = {"vehicle_ids": t("journey.error.vehicles")}
        return await _step2_page(request, account, subs, {"errors": errors}, 422)
    held = journey(account)
    held["vehicle_ids"] = ids
    save_journey(account, held)
    return see_other(f"{ADD}/informations")


# Step 3: personal and additional information
PERSONAL_FIELDS = (
    ("first_name", "profile.first_name"),
    ("last_name", "profile.last_name"),
    ("address_line1", "profile.address_line1"),
    ("apartment", "profile.apartment"),
    ("address_line2", "profile.address_line2"),
    ("city", "profile.city"),
    ("province", "profile.province"),
    ("postal_code", "profile.postal_code"),
    ("home_phone", "journey.home_phone"),
    ("mobile_phone", "profile.mobile_phone"),
    ("work_phone", "profile.work_phone"),
    ("work_phone_ext", "journey.work_phone_ext"),
)


async def _step3_page(
    request: Request, account: Account, extra: dict[str, Any] | None = None, status: int = 200
) -> Response:
    me = await account.call(account.identity.me)
    profile = me.get("profile") or {}
    personal = []
    for name, key in PERSONAL_FIELDS:
        value = str(profile.get(name) or "")
        personal.append((name, key, display_phone(value) if "phone" in name else value))
    context: dict[str, Any] = {
        "me": me,
        "personal": personal,
        "values": {"employee_number": journey(account).get("employee_number") or ""},
    }
    context.update(extra or {})
    return render(request, "subscriptions/step3.html", context, status_code=status)


@router.get(f"{ADD}/informations")
async def step3(request: Request, account: AccountDep) -> Response:
    """ "Complétez les informations nécessaires à l'abonnement"."""
    held = journey(account)
    if not held.get("offering_id"):
        return see_other(ADD)
    if not held.get("vehicle_ids"):
        return see_other(f"{ADD}/vehicules")
    return await _step3_page(request, account)


@router.post(f"{ADD}/informations")
async def additional_information(request: Request, account: AccountDep) -> Response:
    """ "Mettre à jour": the employee number (or "résident")."""
    form = await request.form()
    employee_number = str(form.get("employee_number") or "").strip()
    t = translator(account.session.language)
    errors: dict[str, str] = {}
    if not employee_number:
        errors["employee_number"] = t("journey.error.employee_number")
    elif len(employee_number) > 50:
        errors["employee_number"] = t("journey.error.employee_number_long")
    me = await account.call(account.identity.me)
    if errors or not me.get("profile_complete"):
        extra: dict[str, Any] = {"errors": errors, "values": {"employee_number": employee_number}}
        if not me.get("profile_complete"):
            extra["form_error"] = t("journey.error.profile_incomplete")
        return await _step3_page(request, account, extra, 422)
    held = journey(account)
    held["employee_number"] = employee_number
    save_journey(account, held)
    return see_other(f"{ADD}/recapitulatif")


# Step 4: summary and submission


@router.get(f"{ADD}/recapitulatif")
async def step4(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """ "Récapitulatif de votre abonnement"."""
    summary = await draft_summary(account, subs)
    if isinstance(summary, str):
        return see_other(summary)
    summary = await with_price_preview(account, subs, summary)
    return render(request, "subscriptions/step4.html", summary)


@router.post(f"{ADD}/recapitulatif")
async def submit(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """ "Transmettre ma demande": a payroll (DAS) request goes to the subscriptions service; a
    pre-authorized debit one first goes through step 5, "Ajouter une carte de crédit"."""
    summary = await draft_summary(account, subs)
    if isinstance(summary, str):
        return see_other(summary)
    if summary["offering"].get("billing_mode") == "pad":
        return see_other(PAYMENT_STEP)
    body = request_body(journey(account), summary)
    try:
        created = await account.call(subs.create_subscription, body)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        summary.update(refused_request_context(exc, account.session.language))
        summary = await with_price_preview(account, subs, summary)
        return render(request, "subscriptions/step4.html", summary, status_code=exc.status)
    return request_sent(account, created)


# Step 6 and MON ABONNEMENT
