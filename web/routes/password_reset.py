"""A forgotten password: asking for a link, then choosing a new password with it."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import ClientIp, IdentityDep, SessionDep
from web.forms import error_context, is_form_error, see_other
from web.templating import NO_REFERRER, render

router = APIRouter(dependencies=[Depends(require_csrf)])

TOKEN_PROBLEMS = ("token_invalid", "token_expired", "token_used")


@router.get("/mot-de-passe-perdu")
async def forgot_page(request: Request) -> Response:
    """The form asking for a reset link."""
    return render(request, "auth/forgot.html")


@router.post("/mot-de-passe-perdu")
async def forgot(
    request: Request,
    session: SessionDep,
    identity: IdentityDep,
    ip: ClientIp,
    email: Annotated[str, Form()] = "",
) -> Response:
    """Ask identity to email a link; the answer never tells whether the account exists."""
    email = email.strip()
    try:
        await identity.request_password_reset(ip, email)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = {"values": {"email": email}, **error_context(exc, session.language)}
        return render(request, "auth/forgot.html", context, status_code=exc.status)
    return render(request, "auth/forgot.html", {"sent": True})


@router.get("/reinitialisation")
async def reset_page(request: Request, token: str = "") -> Response:
    """The new-password form; the token travels on in a hidden field."""
    context = {"token": token, "token_problem": None if token else "token_invalid"}
    return render(request, "auth/reset.html", context, headers=NO_REFERRER)


@router.post("/reinitialisation")
async def reset(
    request: Request,
    session: SessionDep,
    identity: IdentityDep,
    ip: ClientIp,
    token: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirmation: Annotated[str, Form()] = "",
) -> Response:
    """Set the new password; identity ends every session, so this browser logs in again."""
    try:
        await identity.confirm_password_reset(ip, token, password, password_confirmation)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = {"token": token, "token_problem": None, **error_context(exc, session.language)}
        if exc.code in TOKEN_PROBLEMS or exc.field == "token":
            problem = exc.code if exc.code in TOKEN_PROBLEMS else "token_invalid"
            context.update(token_problem=problem, errors={}, form_error=None)
        return render(
            request, "auth/reset.html", context, status_code=exc.status, headers=NO_REFERRER
        )
    session.sign_out()
    session.notice = "notice.password_reset"
    return see_other("/connexion", headers=NO_REFERRER)
