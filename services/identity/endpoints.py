"""Identity's public API (`/v1`), thin: validation in schemas, rules in service and sessions."""

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Response
from fastapi.responses import JSONResponse

from servicekit.db import SessionDep, reading_only
from servicekit.throttle import ThrottleDep, per_address
from services.identity import account_emails, erasure, service, sessions
from services.identity.dependencies import ClientAddress, ComponentsDep, CurrentAccount
from services.identity.schemas import (
    DeletionIn,
    EmailIn,
    LoginIn,
    MeOut,
    PasswordChangeIn,
    Profile,
    RefreshIn,
    ResetConfirmIn,
    SignupIn,
    StatusOut,
    TokenIn,
    TokensOut,
)

router = APIRouter(prefix="/v1", tags=["accounts"])
SENT = StatusOut(status="verification_sent")


@router.post(
    "/accounts",
    status_code=202,
    response_model=StatusOut,
    dependencies=[per_address("signup")],
)
async def sign_up(
    body: SignupIn,
    session: SessionDep,
    parts: ComponentsDep,
    throttle: ThrottleDep,
    after: BackgroundTasks,
) -> StatusOut:
    """Ouverture de compte: the same answer, in the same time, whether or not the email already
    had an account."""
    await account_emails.sign_up(session, parts.settings, parts.lifecycle, throttle, after, body)
    return SENT


@router.post("/accounts/verification", response_model=StatusOut)
async def verify(
    body: TokenIn, session: SessionDep, parts: ComponentsDep, after: BackgroundTasks
) -> StatusOut:
    """Follow the link of the verification email."""
    account_id = await service.verify_email(session, parts.lifecycle, body.token)
    # Signalled once the transaction has committed. Losing the signal is safe: at its deadline
    # the workflow asks the database, which says the account is verified.
    after.add_task(parts.lifecycle.signal_verified, account_id)
    return StatusOut(status="verified")


@router.post("/accounts/verification/resend", status_code=202, response_model=StatusOut)
async def resend(
    body: EmailIn,
    session: SessionDep,
    parts: ComponentsDep,
    throttle: ThrottleDep,
    after: BackgroundTasks,
) -> StatusOut:
    """Envoyer de nouveau les instructions; 429 `email_throttled` with the wait when the
    address had an email a moment ago (whether or not it has an account)."""
    await account_emails.resend_verification(
        session, parts.settings, parts.lifecycle, throttle, after, body.email
    )
    return SENT


@router.post("/sessions", response_model=TokensOut)
async def login(
    body: LoginIn, session: SessionDep, parts: ComponentsDep, address: ClientAddress
) -> TokensOut:
    """Connexion via adresse courriel et mot de passe."""
    # The checks only read: no write lock (SQLite) for them, and the transaction ends before
    # argon2 runs (a lock held across a deliberately slow hash would serialise every login).
    await reading_only(session)
    attempt = await sessions.start_login(session, parts.settings, body.email, address)
    await session.commit()
    matched = await sessions.password_matches(parts.settings, attempt, body.password)
    return await sessions.finish_login(session, parts.issuer, attempt, matched)


@router.post("/sessions/refresh", response_model=TokensOut)
async def refresh(body: RefreshIn, session: SessionDep, parts: ComponentsDep) -> TokensOut:
    """Trade a refresh token for a new pair (the old refresh token stops working)."""
    return await sessions.refresh(session, parts.issuer, body.refresh_token)


@router.post("/sessions/logout", status_code=204)
async def logout(session: SessionDep, account: CurrentAccount) -> Response:
    """Déconnexion: every token issued until now is revoked."""
    await sessions.end_all_sessions(session, account)
    return Response(status_code=204)


@router.post("/password-resets", status_code=202, response_model=StatusOut)
async def request_reset(
    body: EmailIn,
    session: SessionDep,
    parts: ComponentsDep,
    throttle: ThrottleDep,
    after: BackgroundTasks,
) -> StatusOut:
    """Mot de passe perdu? The same answer, in the same time, whether or not the account exists;
    429 `email_throttled` with the wait when the address had an email a moment ago."""
    await account_emails.request_reset(session, parts.lifecycle, throttle, after, body.email)
    return StatusOut(status="reset_sent")


@router.post("/password-resets/confirm", response_model=StatusOut)
async def confirm_reset(
    body: ResetConfirmIn, session: SessionDep, parts: ComponentsDep
) -> StatusOut:
    """Set a new password from the reset link; every other session ends."""
    await sessions.confirm_reset(
        session, parts.settings, parts.lifecycle, body.token, body.password
    )
    return StatusOut(status="password_changed")


@router.get("/me", response_model=MeOut)
async def me(account: CurrentAccount) -> MeOut:
    """The caller's account and personal information."""
    return service.me(account)


@router.put("/me/profile", response_model=Profile)
async def update_profile(body: Profile, session: SessionDep, account: CurrentAccount) -> Profile:
    """Informations personnelles: Mettre à jour."""
    return await service.update_profile(session, account, body)


@router.post("/me/password", response_model=TokensOut)
async def change_password(
    body: PasswordChangeIn, session: SessionDep, parts: ComponentsDep, account: CurrentAccount
) -> TokensOut:
    """Change the password (the current one is asked); returns this session's new tokens."""
    return await sessions.change_password(
        session,
        parts.settings,
        parts.lifecycle,
        parts.issuer,
        account,
        body.current_password,
        body.new_password,
    )


@router.get("/me/export")
async def export(account: CurrentAccount) -> JSONResponse:
    """Download every piece of personal data identity holds about the caller."""
    headers = {"Content-Disposition": 'attachment; filename="mes-donnees-identite.json"'}
    return JSONResponse(service.export(account), headers=headers)


@router.post("/me/deletion", status_code=204)
async def delete_account(
    body: DeletionIn, session: SessionDep, parts: ComponentsDep, account: CurrentAccount
) -> Response:
    """Delete the caller's account (refused while a subscription is active): identity's data
    at once, every other service's through the `erasure-<account id>` workflow."""
    await erasure.request_deletion(
        session,
        parts.settings,
        parts.subscriptions,
        parts.lifecycle.client,
        parts.lifecycle.task_queue,
        account,
        body.password,
    )
    return Response(status_code=204)


jwks_router = APIRouter(tags=["keys"])


@jwks_router.get("/.well-known/jwks.json")
async def jwks(parts: ComponentsDep) -> dict[str, Any]:
    """The public keys that verify access tokens."""
    return parts.key.jwks()
