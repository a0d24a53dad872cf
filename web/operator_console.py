"""What the operator console's pages share: its path, the operator check, the refusal page and
a request's detail page (with the link to its workflow in the Temporal Web UI)."""

import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from servicekit.temporal_ui import PUBLIC_PATH
from web.account import Account
from web.api_error import ApiError
from web.i18n import translator
from web.presenters import display_phone
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

CONSOLE = "/console-operateur"


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
