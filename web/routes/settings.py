"""Settings: change the password, download my data, delete my account."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import translator
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

SETTINGS = "/parametres"


def _page(request: Request, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    return render(request, "portal/settings.html", context, status_code=status)


@router.get(SETTINGS)
async def settings_page(request: Request, account: AccountDep) -> Response:
    """The settings page."""
    return _page(request)


@router.post(f"{SETTINGS}/mot-de-passe")
async def change_password(
    request: Request,
    account: AccountDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_confirmation: Annotated[str, Form()] = "",
) -> Response:
    """Change the password; this browser keeps a session with the tokens identity renews."""
    identity, session = account.identity, account.session
    me = await account.call(identity.me)
    try:
        grant = await account.call(
            identity.change_password, current_password, new_password, new_password_confirmation
        )
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = error_context(exc, session.language)
        return _page(request, {**context, "password_error": context["form_error"]}, exc.status)
    if grant is None:  # identity answered 204 without tokens: log in again with the new password
        try:
            grant = await identity.login(account.ip, str(me["email"]), new_password)
        except ApiError:
            session.sign_out()
            session.notice = "notice.password_changed_login"
            return see_other("/connexion")
    session.sign_in(
        grant.access_token, grant.refresh_token, grant.expires_at, grant.role, session.language
    )
    session.notice = "notice.password_changed"
    return see_other(SETTINGS)


@router.get(f"{SETTINGS}/mes-donnees")
async def export_data(account: AccountDep) -> Response:
    """Every personal datum identity holds, as a JSON file to download."""
    content = await account.call(account.identity.export)
    headers = {"Content-Disposition": 'attachment; filename="mes-donnees.json"'}
    return Response(content, media_type="application/json", headers=headers)


@router.post(f"{SETTINGS}/suppression")
async def delete_account(
    request: Request,
    account: AccountDep,
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Delete the account after the password and an explicit confirmation."""
    session = account.session
    if not confirm:
        t = translator(session.language)
        errors = {"confirm": t("settings.delete_confirm_required")}
        return _page(request, {"errors": errors}, 422)
    try:
        await account.call(account.identity.delete_account, password)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = error_context(exc, session.language, rename={"current_password": "password"})
        if exc.code == "active_subscription":
            context.update(errors={}, form_error=None)
            context["delete_error"] = translator(session.language)("settings.delete_blocked")
        else:
            context["delete_error"] = context["form_error"]
        return _page(request, context, exc.status)
    session.sign_out()
    session.notice = "notice.account_deleted"
    return see_other("/connexion")
