"""Failed-login throttling that tells nothing about accounts and cannot lock an owner out.

Failures are counted against scopes derived from what the caller typed and where they call
from, never from the account found, so an address with no account is throttled exactly like one
with an account (docs/login-throttling.md says why and what remains):

- `pair:<email>:<address>`: one address guessing one email's password, 10 in 15 minutes. The
  owner calling from anywhere else is not affected by it.
- `address:<ip>`: one address guessing across emails, 50 in 15 minutes.
- `email:<email>`: an email guessed from many addresses, 100 in an hour (RULES.md). When it is
  full, the owner's way in is « Mot de passe perdu? »: the emailed link (a one-time code sent to
  the address) sets a new password and empties this count.
"""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from services.identity import repository as repo
from services.identity.config import IdentitySettings
from services.identity.errors import TooManyAttempts


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def email_scope(email: str) -> str:
    """The scope of every failure against this email (the email itself is never stored)."""
    return f"email:{_digest(email.strip().lower(), 32)}"


def pair_prefix(email: str) -> str:
    """What every (email, address) scope of this email starts with."""
    return f"pair:{_digest(email.strip().lower(), 32)}:"


def pair_scope(email: str, address: str) -> str:
    return pair_prefix(email) + _digest(address, 12)


def address_scope(address: str) -> str:
    return f"address:{address}"


def _rules(settings: IdentitySettings, email: str, address: str) -> list[tuple[str, int, int]]:
    """(scope, limit, window minutes) of one login attempt."""
    window = settings.login_window_minutes
    return [
        (address_scope(address), settings.login_failures_per_address, window),
        (pair_scope(email, address), settings.login_failures_per_account, window),
        (email_scope(email), settings.login_failures_per_email_hour, 60),
    ]


async def check(
    session: AsyncSession, settings: IdentitySettings, email: str, address: str
) -> None:
    """Refuse while a scope of this attempt is full; the wait ends when its oldest failure ages
    out of the window. Runs before the account is looked up: its answer cannot depend on it."""
    now = utcnow()
    for scope, limit, minutes in _rules(settings, email, address):
        await _check_scope(session, scope, limit, timedelta(minutes=minutes), now)


async def _check_scope(
    session: AsyncSession, scope: str, limit: int, window: timedelta, now: datetime
) -> None:
    failures = await repo.failures_since(session, scope, now - window)
    if len(failures) >= limit:
        retry_after = int((failures[-limit] + window - now).total_seconds()) + 1
        raise TooManyAttempts(retry_after=max(retry_after, 1))


def record_failure(session: AsyncSession, email: str, address: str) -> None:
    """Count a failed login, the same scopes whether or not the email has an account."""
    scopes = [address_scope(address), pair_scope(email, address), email_scope(email)]
    repo.record_failures(session, scopes, utcnow())


async def forget_after_login(session: AsyncSession, email: str, address: str) -> None:
    """The right password from this address: its guesses at this email are forgotten."""
    await repo.forget_failures(session, pair_scope(email, address))


async def forget_after_reset(session: AsyncSession, email: str) -> None:
    """A reset through the emailed link proves the owner: every count on this email is emptied."""
    await repo.forget_failures(session, email_scope(email))
    await repo.forget_failures_starting(session, pair_prefix(email))
