"""Direct changes to the services' rows, for what a test cannot wait for (the clock, a role).

Each helper opens its own engine on the service's real database and changes only the rows of
the account it is given, the way an operator or the passing of time would.
"""

import random
import uuid
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Executable, insert, select, update

from servicekit.clock import today as montreal_today
from servicekit.db import make_engine, utcnow
from services.identity.account_emails import forget_emails
from services.identity.login_throttle import email_scope, pair_prefix
from services.identity.models import Account, LoginFailure, OneTimeToken, RefreshToken
from services.identity.security import token_digest
from services.subscriptions.models import (
    Offering,
    Site,
    Subscription,
    SubscriptionVehicle,
    UserCategory,
)


async def _write(url: str, statement: Executable) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    finally:
        await engine.dispose()


async def _rows(url: str, query: Executable) -> list[Any]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(query)).all())
    finally:
        await engine.dispose()


async def allow_next_email_now(identity_app: FastAPI, email: str) -> None:
    """Forget the address's recent emails in identity's throttle, as if the user had waited."""
    await forget_emails(identity_app.state.throttle, email)


async def expire_link(identity_url: str, token: str) -> None:
    """Put the expiry of an emailed link's token a minute in the past."""
    await _write(
        identity_url,
        update(OneTimeToken)
        .where(OneTimeToken.token_hash == token_digest(token))
        .values(expires_at=utcnow() - timedelta(minutes=1)),
    )


async def set_role(identity_url: str, email: str, role: str) -> None:
    """Give the account a role (what the operator CLI does)."""
    await _write(identity_url, update(Account).where(Account.email == email).values(role=role))


async def date_login_failures(identity_url: str, email: str, minutes_ago: int) -> None:
    """Say the failed logins typed with this email all happened `minutes_ago` minutes ago."""
    await _write(
        identity_url,
        update(LoginFailure)
        .where(
            (LoginFailure.scope == email_scope(email))
            | LoginFailure.scope.startswith(pair_prefix(email))
        )
        .values(occurred_at=utcnow() - timedelta(minutes=minutes_ago)),
    )


async def login_failure_scopes(identity_url: str) -> set[str]:
    """Every scope identity counted a failed login against."""
    return {row[0] for row in await _rows(identity_url, select(LoginFailure.scope).distinct())}


async def refresh_tokens(identity_url: str, account_id: str) -> list[tuple[str, bool]]:
    """The account's refresh tokens as (stored digest, revoked), oldest first."""
    query = (
        select(RefreshToken.token_hash, RefreshToken.revoked_at.is_not(None))
        .where(RefreshToken.account_id == account_id)
        .order_by(RefreshToken.created_at)
    )
    return [(row[0], bool(row[1])) for row in await _rows(identity_url, query)]


async def add_active_subscription(
    subscriptions_url: str,
    account_id: str,
    vehicle_ids: tuple[str, ...] = (),
    start: date | None = None,
) -> str:
    """An active subscription of the account (its vehicles on it), on a catalog row of its own
    (no contract: as if the worker had been away since the approval); its id."""
    n, now, today = random.randint(100_000_000, 2_000_000_000), utcnow(), montreal_today()
    subscription_id = str(uuid.uuid4())
    rows = (
        insert(Site).values(
            id=n, establishment="Test", name="Test", address="Test", access_type="card"
        ),
        insert(UserCategory).values(id=n, site_id=n, name_fr="Test", name_en="Test"),
        insert(Offering).values(
            id=n,
            site_id=n,
            category_id=n,
            code="0",
            name="Test",
            description_fr="Test",
            description_en="Test",
            monthly_price_cents=0,
            billing_mode="payroll",
            capacity=1,
        ),
        insert(Subscription).values(
            id=subscription_id,
            account_id=account_id,
            offering_id=n,
            site_id=n,
            contract_number=str(random.randint(10_000_000, 99_999_999)),
            status="active",
            requested_start=start or today,
            start_date=start or today,
            employee_number="0",
            terms_accepted_at=now,
            approval_understood_at=now,
            consent_version="test",
            billing_mode="payroll",
            monthly_price_cents=0,
            notice_days=30,
        ),
    )
    links = tuple(
        insert(SubscriptionVehicle).values(
            subscription_id=subscription_id, vehicle_id=vehicle_id, position=i
        )
        for i, vehicle_id in enumerate(vehicle_ids, start=1)
    )
    for statement in (*rows, *links):
        await _write(subscriptions_url, statement)
    return subscription_id
