"""Endpoints only the platform's activities call (`/internal/v1`, service token required)."""

from fastapi import APIRouter

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep
from services.identity import repository as repo
from services.identity import service
from services.identity.dependencies import ComponentsDep
from services.identity.errors import AccountNotFound, AlreadyVerified
from services.identity.models import Account
from services.identity.schemas import (
    Email,
    EmailContextIn,
    EmailContextOut,
    ExpireOut,
    InternalAccountOut,
    Profile,
)
from services.identity.security import link_token

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])
LINK_PATHS = {"verify_email": "/verification", "password_reset": "/reinitialisation"}


@router.post("/accounts/{account_id}/email-context", response_model=EmailContextOut)
async def email_context(
    account_id: str, body: EmailContextIn, session: SessionDep, parts: ComponentsDep
) -> EmailContextOut:
    """Who to write to, in which language, and the link (same key, same link: retries are safe)."""
    account = await service.require_account(session, account_id)
    if body.kind == "verify_email" and account.verified_at is not None:
        raise AlreadyVerified()
    link = None
    if body.kind in LINK_PATHS:
        raw = link_token(parts.settings.link_secret, body.kind, account.id, body.key)
        await service.issue_link_token(session, parts.settings, account, body.kind, raw)
        link = f"{parts.platform.public_web_origin}{LINK_PATHS[body.kind]}?token={raw}"
    first_name = account.profile.first_name if account.profile else None
    return EmailContextOut(
        account_id=account.id,
        email=account.email,
        language=account.language,
        first_name=first_name,
        link=link,
    )


@router.post("/accounts/{account_id}/expire", response_model=ExpireOut)
async def expire(account_id: str, session: SessionDep) -> ExpireOut:
    """Remove the account if it is still unverified; a verified account is never removed."""
    return ExpireOut(expired=await repo.delete_if_unverified(session, account_id))


@router.get("/accounts", response_model=InternalAccountOut)
async def account_by_email(email: Email, session: SessionDep) -> InternalAccountOut:
    """The account with this email (operators search by email), or 404."""
    found = await repo.account_by_email(session, email)
    if found is None:
        raise AccountNotFound()
    return _internal(found)


@router.get("/accounts/{account_id}", response_model=InternalAccountOut)
async def account(account_id: str, session: SessionDep) -> InternalAccountOut:
    """An account's contact data, for the services that write to it or prefill forms."""
    return _internal(await service.require_account(session, account_id))


def _internal(found: Account) -> InternalAccountOut:
    profile = Profile.model_validate(service.profile_dict(found)) if found.profile else None
    return InternalAccountOut(
        id=found.id,
        email=found.email,
        role=found.role,
        language=found.language,
        verified=found.verified_at is not None,
        profile=profile,
    )
