"""The operator console: pending requests oldest first, a request's detail, approve or refuse,
search by contract number, plate or email, and the link to the workflow in the Temporal Web UI
(/temporal/ on this origin, web/temporal_ui.py).

The subscriptions service decides who is an operator (it refuses everyone else); the console also
checks the role identity holds, to show a clear page instead of the service's refusal.
"""

import re
from typing import Any, get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.lifecycle import DecisionCode
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import pick, translator
from web.operator_console import CONSOLE, detail_page, forbidden, operator_me
from web.presenters import as_int
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

DECISIONS = get_args(DecisionCode)
DECISION_KEY = re.compile(r"[A-Za-z0-9_-]{8,100}")


@router.get(CONSOLE)
async def console(
    request: Request, account: AccountDep, subs: SubscriptionsDep, site_id: str = ""
) -> Response:
    """Pending requests, oldest first, filterable by site."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    site = as_int(site_id)
    sites = await account.call(subs.sites)
    pending = await account.call(subs.pending_requests, site)
    context = {"sites": sites, "site_id": site, "pending": pending, "query": ""}
    return render(request, "operator/console.html", context)


@router.get(f"{CONSOLE}/recherche")
async def search(
    request: Request, account: AccountDep, subs: SubscriptionsDep, q: str = ""
) -> Response:
    """Search by contract number, plate or email (an email is looked up at identity)."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    query = q.strip()
    t = translator(account.session.language)
    results: list[dict[str, Any]] = []
    message = None
    if not query:
        message = t("operator.search_empty")
    elif "@" in query:
        found = await account.identity.find_account(account.ip, query.lower())
        if found is None:
            message = t("operator.no_account")
        else:
            results = await account.call(subs.search, str(found["id"]))
    else:
        results = await account.call(subs.search, query)
    if query and not results and message is None:
        message = t("operator.no_result")
    context = {"results": results, "query": query, "message": message}
    return render(request, "operator/search.html", context)


@router.get(f"{CONSOLE}/demandes/{{subscription_id}}")
async def request_detail(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """A request's full detail: person, vehicles, employee number, history."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    return await detail_page(request, account, subs, subscription_id)


def decision_key(value: object) -> str | None:
    """The decision form's key, when it has the shape the service accepts."""
    return value if isinstance(value, str) and DECISION_KEY.fullmatch(value) else None


@router.post(f"{CONSOLE}/demandes/{{subscription_id}}/decision")
async def decide(
    request: Request, account: AccountDep, subs: SubscriptionsDep, subscription_id: str
) -> Response:
    """ "Approuver" or "Refuser" (a reason is required to refuse)."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    form = await request.form()
    decision = str(form.get("decision") or "")
    reason = str(form.get("reason") or "").strip()
    modification_id = str(form.get("modification_id") or "")
    language = account.session.language
    t = translator(language)
    if decision not in DECISIONS:
        return see_other(f"{CONSOLE}/demandes/{subscription_id}")
    if decision == "refuse" and not reason:
        errors = {f"reason{modification_id}": t("operator.reason_required")}
        extra = {"errors": errors, "values": {"reason": reason}}
        return await detail_page(request, account, subs, subscription_id, extra, 422)
    try:
        if modification_id:
            await account.call(subs.decide_modification, modification_id, decision, reason)
        else:
            key = decision_key(form.get("idempotency_key"))
            await account.call(subs.decide, subscription_id, decision, reason, key)
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        message = pick(exc.message, language)
        if exc.code == "offering_full":
            message = t("operator.offering_full")
        extra = {"form_error": message, "values": {"reason": reason}}
        return await detail_page(request, account, subs, subscription_id, extra, exc.status)
    account.session.notice = (
        "notice.request_approved" if decision == "approve" else "notice.request_refused"
    )
    return see_other(f"{CONSOLE}/demandes/{subscription_id}")
