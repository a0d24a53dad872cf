"""Opening an account: signup, the confirmation page, resending and the emailed link."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from servicekit.messages import lookup
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import ClientIp, IdentityDep, SessionDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import pick
from web.templating import NO_REFERRER, render

router = APIRouter(dependencies=[Depends(require_csrf)])

CONFIRMATION = "/confirmation-du-compte"
TOKEN_OUTCOMES = ("token_invalid", "token_expired", "token_used")


@router.get("/creer-un-compte")
async def signup_page(request: Request) -> Response:
    """The account opening form."""
    return render(request, "auth/signup.html")


@router.post("/creer-un-compte")
async def signup(
    request: Request,
    session: SessionDep,
    identity: IdentityDep,
    ip: ClientIp,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirmation: Annotated[str, Form()] = "",
) -> Response:
    """Open an account; the next page asks to validate the email."""
    email = email.strip()
    try:
        await identity.signup(ip, email, password, password_confirmation, session.language)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = {"values": {"email": email}, **error_context(exc, session.language)}
        return render(request, "auth/signup.html", context, status_code=exc.status)
    session.pending_email = email
    return see_other(CONFIRMATION)


@router.get(CONFIRMATION)
async def confirmation_page(request: Request, session: SessionDep) -> Response:
    """Step 2 of 2: the email must be validated."""
    return render(request, "auth/confirmation.html", {"pending_email": session.pending_email})


@router.post(f"{CONFIRMATION}/renvoyer")
async def resend(
    request: Request,
    session: SessionDep,
    identity: IdentityDep,
    ip: ClientIp,
    email: Annotated[str, Form()] = "",
) -> Response:
    """Send the verification email again, to the pending email or the one typed in."""
    target = email.strip() or session.pending_email or ""
    if not target:
        errors = {"email": pick(lookup("missing"), session.language)}
        return render(request, "auth/confirmation.html", {"errors": errors}, status_code=422)
    try:
        await identity.resend_verification(ip, target)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = {"values": {"email": target}, **error_context(exc, session.language)}
        return render(request, "auth/confirmation.html", context, status_code=exc.status)
    session.pending_email = target
    session.notice = "notice.verification_resent"
    return see_other(CONFIRMATION)


@router.get("/verification")
async def verify(
    session: SessionDep, identity: IdentityDep, ip: ClientIp, token: str = ""
) -> Response:
    """The emailed link: validate the email, then show the outcome without the token in the URL."""
    outcome = "token_invalid"
    if token:
        try:
            await identity.verify_email(ip, token)
            outcome = "verified"
        except ApiError as exc:
            if exc.status >= 500:
                raise
            outcome = exc.code if exc.code in TOKEN_OUTCOMES else "token_invalid"
    session.verification = outcome
    if outcome == "verified":
        session.pending_email = None
    return see_other("/verification/resultat", headers=NO_REFERRER)


@router.get("/verification/resultat")
async def verification_result(request: Request, session: SessionDep) -> Response:
    """Email validated, or why the link did not work and how to get a new one."""
    outcome = session.verification or "token_invalid"
    context = {"verified": outcome == "verified", "outcome": outcome}
    return render(request, "auth/verification.html", context, headers=NO_REFERRER)
