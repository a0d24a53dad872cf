"""Emails anyone can ask for by typing an address: signup, « Envoyer de nouveau les
instructions », « Mot de passe perdu? ». Two rules meet here (RULES.md, docs/identity-api.md):

- No account enumeration, by answer or by time. The request does the same work whether or not
  the address has an account: one throttle count, one indexed lookup, one row written at most
  (signup). The Temporal call that sends the email, tens of milliseconds, runs after the answer
  (a background task, once the transaction has committed), so its presence is not timed.
- No email silently dropped. The email throttle (one a minute, a few an hour) is keyed by the
  address typed, not by an account, so it counts the same for every address; when it refuses,
  resend and reset say so with the wait (429 `email_throttled`), which tells nothing either.

The price of answering first: if the process dies between the answer and the Temporal call, that
email is lost, and the page asks the user to ask again if nothing comes. A brief Temporal outage
is retried here. A new account whose registration never started is restarted by a resend.
"""

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from fastapi import BackgroundTasks
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.throttle import Throttle
from services.identity import repository as repo
from services.identity.config import IdentitySettings
from services.identity.errors import EmailThrottled, WorkflowUnavailable
from services.identity.lifecycle import Lifecycle
from services.identity.models import Account
from services.identity.schemas import SignupIn
from services.identity.security import hash_password

log = logging.getLogger(__name__)
EMAIL_RULE = "account_email"
START_ATTEMPTS = 3


def _address_key(email: str) -> str:
    # The address is personal data: the store (maybe a shared Redis) sees only its digest.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


async def email_wait(throttle: Throttle, email: str) -> int:
    """Count one email for this address: 0 when it may go now, else the seconds to wait."""
    return await throttle.wait(EMAIL_RULE, "email", _address_key(email))


async def forget_emails(throttle: Throttle, email: str) -> None:
    """Forget the address's recent emails (tests use it as « a minute later »)."""
    for item in throttle.rules[EMAIL_RULE]:
        await throttle.limiter.clear(item, EMAIL_RULE, "email", _address_key(email))


async def _after_answer(call: Callable[[], Awaitable[object]], what: str) -> None:
    """Run a Temporal call once the answer is sent; retry a brief outage, then log the loss."""
    for attempt in range(START_ATTEMPTS):
        try:
            await call()
            return
        except WorkflowUnavailable:
            if attempt + 1 < START_ATTEMPTS:
                await asyncio.sleep(2**attempt)
    log.error("account email (%s) not requested: Temporal unavailable", what)


async def _resend_or_restart(
    settings: IdentitySettings, lifecycle: Lifecycle, account_id: str
) -> None:
    """Ask the running registration for a new link, or start it again if it is gone."""
    if not await lifecycle.signal_resend(account_id):
        await lifecycle.start_registration(account_id, settings.unverified_account_days * 86400)


async def sign_up(
    session: AsyncSession,
    settings: IdentitySettings,
    lifecycle: Lifecycle,
    throttle: Throttle,
    after: BackgroundTasks,
    data: SignupIn,
) -> None:
    """Open an account, or act on the existing one, without telling the caller which happened."""
    password_hash = await hash_password(settings, data.password)  # always, for equal timing
    may_email = await email_wait(throttle, data.email) == 0
    existing = await repo.email_status(session, data.email)
    if existing is None:
        account_id = str(uuid.uuid4())
        session.add(
            Account(
                id=account_id,
                email=data.email,
                password_hash=password_hash,
                language=data.language,
                emails_this_hour=0,
            )
        )
        await session.flush()
        # A new account always gets its verification email (its slot was counted above).
        ttl = settings.unverified_account_days * 86400
        start = lifecycle.start_registration
        after.add_task(_after_answer, lambda: start(account_id, ttl), "registration")
        return
    account_id, verified_at = existing
    if verified_at is None:
        # The latest signup sets the password, and its link replaces the earlier ones.
        await repo.set_password_hash(session, account_id, password_hash)
        if may_email:
            resend = _resend_or_restart
            after.add_task(_after_answer, lambda: resend(settings, lifecycle, account_id), "resend")
    elif may_email:
        send = lifecycle.send_email
        after.add_task(_after_answer, lambda: send(account_id, "signup_attempt"), "attempt")


async def resend_verification(
    session: AsyncSession,
    settings: IdentitySettings,
    lifecycle: Lifecycle,
    throttle: Throttle,
    after: BackgroundTasks,
    email: str,
) -> None:
    """Send a new link to an unverified account; nothing otherwise, told the same way."""
    wait = await email_wait(throttle, email)
    if wait:
        raise EmailThrottled(wait)
    existing = await repo.email_status(session, email)
    if existing is not None and existing[1] is None:
        account_id = existing[0]
        resend = _resend_or_restart
        after.add_task(_after_answer, lambda: resend(settings, lifecycle, account_id), "resend")


async def request_reset(
    session: AsyncSession,
    lifecycle: Lifecycle,
    throttle: Throttle,
    after: BackgroundTasks,
    email: str,
) -> None:
    """Email a reset link to a verified account; the caller is told the same thing regardless."""
    wait = await email_wait(throttle, email)
    if wait:
        raise EmailThrottled(wait)
    existing = await repo.email_status(session, email)
    if existing is not None and existing[1] is not None:
        account_id = existing[0]
        send = lifecycle.send_email
        after.add_task(_after_answer, lambda: send(account_id, "password_reset"), "reset")
