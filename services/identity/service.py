"""Account rules: email verification, profile, export. Never commits.

Signup, resend and reset requests: `account_emails.py`; deletion: `erasure.py`."""

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.errors import FieldError
from services.identity import repository as repo
from services.identity.config import IdentitySettings
from services.identity.errors import (
    AccountNotFound,
    TokenExpired,
    TokenInvalid,
    TokenUsed,
)
from services.identity.lifecycle import Lifecycle
from services.identity.models import Account, OneTimeToken, Profile
from services.identity.schemas import MeOut
from services.identity.schemas import Profile as ProfileIn
from services.identity.security import token_digest

VERIFY, RESET = "verify_email", "password_reset"


async def use_token(session: AsyncSession, token: str, purpose: str) -> OneTimeToken:
    """Consume a single-use link token, or say precisely why it cannot be used."""
    row = await repo.token_by_digest(session, token_digest(token))
    now = utcnow()
    if row is None or row.purpose != purpose or row.voided_at is not None:
        raise TokenInvalid(field="token")
    if row.used_at is not None:
        raise TokenUsed(field="token")
    if row.expires_at <= now:
        raise TokenExpired(field="token")
    row.used_at = now
    return row


async def verify_email(session: AsyncSession, lifecycle: Lifecycle, token: str) -> str:
    """Mark the account verified; the workflow is told after the database knows."""
    row = await use_token(session, token, VERIFY)
    await session.execute(
        update(Account)
        .where(Account.id == row.account_id, Account.verified_at.is_(None))
        .values(verified_at=utcnow())
    )
    await session.flush()
    return row.account_id


async def issue_link_token(
    session: AsyncSession, settings: IdentitySettings, account: Account, purpose: str, raw: str
) -> None:
    """Store (once) the token behind a link; it voids the account's older links of that purpose."""
    now = utcnow()
    existing = await repo.token_by_digest(session, token_digest(raw))
    if existing is not None and existing.used_at is None and existing.voided_at is None:
        return
    await repo.void_tokens(session, account.id, purpose, now)
    if existing is not None:
        existing.voided_at = None  # the same key again: its link becomes the current one
        return
    lifetime = (
        timedelta(hours=settings.verification_link_hours)
        if purpose == VERIFY
        else timedelta(minutes=settings.reset_link_minutes)
    )
    session.add(
        OneTimeToken(
            id=str(uuid.uuid4()),
            account_id=account.id,
            purpose=purpose,
            token_hash=token_digest(raw),
            expires_at=now + lifetime,
        )
    )
    await session.flush()


async def require_account(session: AsyncSession, account_id: str) -> Account:
    account = await repo.account_by_id(session, account_id)
    if account is None:
        raise AccountNotFound()
    return account


def me(account: Account) -> MeOut:
    """The account as its owner sees it."""
    profile = ProfileIn.model_validate(profile_dict(account)) if account.profile else None
    return MeOut(
        id=account.id,
        email=account.email,
        role=account.role,
        language=account.language,
        created_at=account.created_at,
        verified_at=account.verified_at,
        profile=profile,
        profile_complete=account.profile is not None,
    )


def profile_dict(account: Account) -> dict[str, object]:
    assert account.profile is not None
    fields = ProfileIn.model_fields.keys() - {"language"}
    data: dict[str, object] = {f: getattr(account.profile, f) for f in fields}
    data["language"] = account.language
    return data


async def update_profile(session: AsyncSession, account: Account, data: ProfileIn) -> ProfileIn:
    """Save Informations personnelles; at least one phone number is required."""
    if not (data.mobile_phone or data.home_phone or data.work_phone):
        raise FieldError("mobile_phone", "phone_required")
    values = data.model_dump(exclude={"language"})
    if account.profile is None:
        account.profile = Profile(account_id=account.id, **values)
    else:
        for name, value in values.items():
            setattr(account.profile, name, value)
    account.language = data.language
    await session.flush()
    return ProfileIn.model_validate(profile_dict(account))


def export(account: Account) -> dict[str, object]:
    """Every piece of personal data identity holds about the account (Law 25)."""
    return {
        "exported_at": utcnow().isoformat(),
        "service": "identity",
        "account": {
            "id": account.id,
            "email": account.email,
            "role": account.role,
            "language": account.language,
            "created_at": account.created_at.isoformat(),
            "verified_at": account.verified_at.isoformat() if account.verified_at else None,
        },
        "profile": profile_dict(account) if account.profile else None,
    }
