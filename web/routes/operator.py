"""The operator console: pending requests oldest first, a request's detail, approve or refuse,
search by contract number, plate or email, and the link to the workflow in the Temporal Web UI
(/temporal/ on this origin, web/temporal_ui.py).

The subscriptions service decides who is an operator (it refuses everyone else); the console also
checks the role identity holds, to show a clear page instead of the service's refusal.
"""

import re
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.temporal_ui import PUBLIC_PATH
from web.csrf import require_csrf
from web.dependencies import Account, AccountDep
from web.forms import is_form_error, see_other
from web.i18n import pick, translator
from web.identity_client import ApiError
from web.routes.account import display_phone
from web.routes.subscriptions import SubscriptionsDep, as_int
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

CONSOLE = "/console-operateur"
DECISION_KEY = re.compile(r"[A-Za-z0-9_-]{8,100}")


async def operator_me(account: Account) -> dict[str, Any] | None:
    """The operator's own account, or None when the account is not an operator."""
    me = await account.call(account.identity.me)
    account.session.role = str(me.get("role", "user"))
    return me if me.get("role") == "operator" else None


def forbidden(request: Request, account: Account) -> Response:
    """The page for a signed-in account that is not an operator."""
    t = translator(account.session.language)
    return render(request, "error.html", {"message": t("page_error.forbidden")}, status_code=403)


def workflow_url(request: Request, detail: dict[str, Any]) -> str:
    """The subscription's workflow in the Temporal Web UI, served on this origin (/temporal/)."""
    platform = request.app.state.settings.platform
    base = PUBLIC_PATH
    workflow = detail.get("workflow_id") or f"subscription-{detail.get('id')}"
    namespace = quote(platform.temporal_namespace or "default", safe="")
    return f"{base}/namespaces/{namespace}/workflows/{quote(str(workflow), safe='')}"


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


async def detail_page(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    subscription_id: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    detail = await account.call(subs.operator_subscription, subscription_id)
    person: dict[str, Any] | None = None
    if detail.get("account_id"):
        try:
            person = await account.identity.account(account.ip, str(detail["account_id"]))
        except ApiError as exc:
            if exc.status != 404:
                raise
    if person and isinstance(person.get("profile"), dict):
        profile = dict(person["profile"])
        for name in ("mobile_phone", "home_phone", "work_phone"):
            if profile.get(name):
                profile[name] = display_phone(str(profile[name]))
        person = {**person, "profile": profile}
    modifications = [m for m in detail.get("modifications") or [] if m.get("status") == "pending"]
    context: dict[str, Any] = {
        "sub": detail,
        "person": person,
        # One key per rendered form: the same form sent again is the same decision (a retry).
        "decision_key": secrets.token_urlsafe(18),
        "workflow_url": workflow_url(request, detail),
        "modifications": modifications,
    }
    context.update(extra or {})
    return render(request, "operator/detail.html", context, status_code=status)


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
    if decision not in ("approve", "refuse"):
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
