"""Logging in and out."""

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from web.account import Account, LoginRequired
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import ClientIp, IdentityDep, SessionDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import translator
from web.session import Session
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

DASHBOARD = "/tableau-de-bord"
PROFILE = "/informations-personnelles"
OPERATOR_CONSOLE = "/console-operateur"


@router.get("/")
async def home(session: SessionDep) -> Response:
    """The dashboard when signed in, the login page otherwise."""
    return see_other(DASHBOARD if session.signed_in else "/connexion")


@router.get("/connexion")
async def login_page(request: Request, session: SessionDep) -> Response:
    """The login form."""
    if session.signed_in:
        return see_other(DASHBOARD)
    return render(request, "auth/login.html")


@router.post("/connexion")
async def login(
    request: Request,
    session: SessionDep,
    identity: IdentityDep,
    ip: ClientIp,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Open a session; operators land on their console, others on the personal information
    until their profile is complete."""
    email = email.strip()
    try:
        grant = await identity.login(ip, email, password)
    except ApiError as exc:
        if not (is_form_error(exc) or exc.code == "invalid_credentials"):
            raise
        return _login_refused(request, session, exc, email)
    session.sign_in(
        grant.access_token, grant.refresh_token, grant.expires_at, grant.role, grant.language
    )
    if grant.role == "operator":
        return see_other(OPERATOR_CONSOLE)
    return see_other(DASHBOARD if grant.profile_complete else PROFILE)


def _login_refused(request: Request, session: Session, exc: ApiError, email: str) -> HTMLResponse:
    t = translator(session.language)
    context = {"values": {"email": email}, "offer_resend": False}
    if exc.code == "account_not_verified":
        session.pending_email = email
        context.update(form_error=t("login.not_verified"), offer_resend=True)
    elif exc.code == "too_many_attempts":
        seconds = float(exc.details.get("retry_after", 60))
        minutes = max(1, math.ceil(seconds / 60))
        context["form_error"] = t("login.too_many_attempts", minutes=minutes)
    elif exc.code == "invalid_credentials":
        context["form_error"] = t("login.invalid_credentials")
    else:
        context.update(error_context(exc, session.language))
    return render(request, "auth/login.html", context, status_code=exc.status)


@router.post("/deconnexion")
async def logout(
    request: Request, session: SessionDep, identity: IdentityDep, ip: ClientIp
) -> Response:
    """Revoke the account's tokens at identity and forget them here."""
    if session.signed_in:
        account = Account(session, identity, ip, request.app.state.refresher)
        try:
            await account.call(identity.logout)
        except (ApiError, LoginRequired):
            pass  # Nothing left to revoke, or identity is down: the cookie is cleared anyway.
    session.sign_out()
    session.notice = "notice.logged_out"
    return see_other("/connexion")
