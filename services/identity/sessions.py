"""Session rules: login with throttling, refresh rotation, logout, password reset and change."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import InvalidToken
from servicekit.db import utcnow
from servicekit.settings import PlatformSettings
from services.identity import cutoffs, login_throttle
from services.identity import repository as repo
from services.identity.config import IdentitySettings
from services.identity.errors import (
    AccountNotVerified,
    CurrentPasswordWrong,
    InvalidCredentials,
    TokenInvalid,
)
from services.identity.keys import SigningKey
from services.identity.lifecycle import Lifecycle
from services.identity.models import Account, RefreshToken
from services.identity.schemas import AccountSummary, TokensOut
from services.identity.security import (
    dummy_hash,
    hash_password,
    link_token,
    new_opaque_token,
    token_digest,
    verify_password,
)
from services.identity.service import RESET, use_token

# The purpose under which a refresh token's successor is derived from it (security.link_token).
SUCCESSOR = "refresh-successor"


class Issuer:
    """Issues token pairs for an account."""

    def __init__(self, settings: IdentitySettings, platform: PlatformSettings, key: SigningKey):
        self.settings = settings
        self.platform = platform
        self.key = key

    def issue(
        self, session: AsyncSession, account: Account, refresh: str | None = None
    ) -> TokensOut:
        """A new access token and a new refresh token (stored hashed; random unless given)."""
        refresh = refresh or new_opaque_token()
        session.add(
            RefreshToken(
                id=str(uuid.uuid4()),
                account_id=account.id,
                token_hash=token_digest(refresh),
                expires_at=utcnow() + timedelta(days=self.settings.refresh_token_days),
            )
        )
        return self.pair(account, refresh)

    def pair(self, account: Account, refresh: str) -> TokensOut:
        """A new access token alongside an already stored refresh token."""
        access = self.key.sign_access_token(
            account_id=account.id,
            role=account.role,
            issuer=self.platform.token_issuer,
            audience=self.platform.token_audience,
            minutes=self.settings.access_token_minutes,
            session_version=account.session_version or 0,
        )
        summary = AccountSummary(
            id=account.id,
            role=account.role,
            language=account.language,
            profile_complete=account.profile is not None,
        )
        return TokensOut(
            access_token=access,
            refresh_token=refresh,
            expires_in=self.settings.access_token_minutes * 60,
            account=summary,
        )


@dataclass(frozen=True)
class LoginAttempt:
    """What a login needs from the database before the (slow) password check."""

    email: str
    address: str
    account: Account | None

    @property
    def stored_hash(self) -> str | None:
        return self.account.password_hash if self.account else None


async def start_login(
    session: AsyncSession, settings: IdentitySettings, email: str, address: str
) -> LoginAttempt:
    """Refuse throttled callers (login_throttle: the same for emails without an account)."""
    await login_throttle.check(session, settings, email, address)
    return LoginAttempt(email, address, await repo.account_by_email(session, email))


async def password_matches(
    settings: IdentitySettings, attempt: LoginAttempt, password: str
) -> bool:
    """Check the password; an unknown account costs the same time as a known one."""
    stored = attempt.stored_hash or dummy_hash(settings)
    return await verify_password(settings, stored, password) and attempt.account is not None


async def finish_login(
    session: AsyncSession, issuer: Issuer, attempt: LoginAttempt, matched: bool
) -> TokensOut:
    """Record a failure, or issue the tokens of a verified account."""
    account = attempt.account
    if not matched or account is None:
        login_throttle.record_failure(session, attempt.email, attempt.address)
        raise InvalidCredentials()
    if account.verified_at is None:
        raise AccountNotVerified()
    await login_throttle.forget_after_login(session, attempt.email, attempt.address)
    return issuer.issue(session, account)


async def refresh(session: AsyncSession, issuer: Issuer, token: str) -> TokensOut:
    """Rotate a refresh token: the old one is revoked, a reused revoked one ends every session,
    unless it was rotated a moment ago (two replicas refreshing one browser session at once):
    then the answer carries the same successor (OAuth 2.0 Security BCP, refresh token reuse)."""
    # Locked: a concurrent refresh of the same token waits for this one and takes the grace path.
    row = await repo.refresh_by_digest(session, token_digest(token), for_update=True)
    now = utcnow()
    if row is None or row.expires_at <= now:
        raise InvalidToken()
    account = await repo.account_by_id(session, row.account_id)
    if account is None:
        raise InvalidToken()
    successor = link_token(issuer.settings.link_secret, SUCCESSOR, account.id, token)
    if row.revoked_at is not None:
        if await _just_rotated(session, issuer.settings, row, successor, now):
            return issuer.pair(account, successor)
        # A revoked token presented again means it leaked: revoke the whole account's sessions.
        await repo.revoke_refresh_tokens(session, row.account_id, now)
        raise InvalidToken(keep_changes=True)
    row.revoked_at = now
    # Derived from the old token, not random: a repeat within the grace window finds it again
    # without the plain successor being stored anywhere.
    return issuer.issue(session, account, successor)


async def _just_rotated(
    session: AsyncSession,
    settings: IdentitySettings,
    row: RefreshToken,
    successor: str,
    now: datetime,
) -> bool:
    """Whether `row` was rotated (not revoked) within the grace window, its successor unused."""
    assert row.revoked_at is not None
    if now - row.revoked_at > timedelta(seconds=settings.refresh_reuse_grace_seconds):
        return False
    following = await repo.refresh_by_digest(session, token_digest(successor))
    return following is not None and following.revoked_at is None and following.expires_at > now


async def end_all_sessions(session: AsyncSession, account: Account) -> None:
    """Revoke every access and refresh token issued to the account until now (by session
    version, not by time: a token issued in the same second as the logout is revoked too)."""
    await cutoffs.end_sessions(session, account)


async def confirm_reset(
    session: AsyncSession,
    settings: IdentitySettings,
    lifecycle: Lifecycle,
    token: str,
    password: str,
) -> None:
    """Set the new password, end every session, and notify the owner."""
    row = await use_token(session, token, RESET)
    account = await repo.account_by_id(session, row.account_id)
    if account is None:
        raise TokenInvalid(field="token")
    account.password_hash = await hash_password(settings, password)
    await end_all_sessions(session, account)
    await login_throttle.forget_after_reset(session, account.email)
    await lifecycle.send_email(account.id, "password_changed")


async def change_password(
    session: AsyncSession,
    settings: IdentitySettings,
    lifecycle: Lifecycle,
    issuer: Issuer,
    account: Account,
    current: str,
    new: str,
) -> TokensOut:
    """Change the password knowing the current one; other sessions end, this one gets new tokens."""
    if not await verify_password(settings, account.password_hash, current):
        raise CurrentPasswordWrong(field="current_password")
    account.password_hash = await hash_password(settings, new)
    await end_all_sessions(session, account)
    await session.flush()
    await lifecycle.send_email(account.id, "password_changed")
    return issuer.issue(session, account)
