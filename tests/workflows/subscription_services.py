"""The real subscriptions and identity apps for the subscription activities' tests.

Both apps run in-process on the suite's migrated databases and reach each other over httpx; the
activities get their own client on the same mounts (its requests are recorded) and send to the
suite's SMTP server. Rows are written by the services themselves (requests through the service
layer, decisions through the internal endpoint, users through identity's API), with no workflow
behind them, so every state change a test sees after an activity is one the activity made.

A test module uses the fixture by binding it: `real = subscription_services.real`.
"""

import itertools
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import delete, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.auth import KeySet, TokenVerifier
from servicekit.db import make_engine
from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from services.identity.models import Account
from services.subscriptions import seed
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app
from services.subscriptions.models import AuditEntry, Contract
from tests.identity.helpers import PASSWORD
from tests.subscriptions.factories import (
    SUBSCRIPTIONS,
    Stack,
    User,
    UserFactory,
    add_vehicle,
    offering,
    pending_row,
    transition,
)
from tests.support.mail import SmtpServer
from workflows.subscription.activities import SubscriptionActivities
from workflows.subscription.models import TransitionInput
from workflows.subscription.settings import WorkflowSettings

IDENTITY = "http://identity.test"
_offering_ids = itertools.count(random.randint(10_000, 90_000) * 10)


class _Lazy:
    def __init__(self, holder: dict[str, FastAPI]) -> None:
        self.holder = holder

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.holder["app"](scope, receive, send)


def verifier_of(identity_app: FastAPI, platform: PlatformSettings) -> TokenVerifier:
    keys = KeySet()
    keys.load(identity_app.state.components.key.jwks())
    return TokenVerifier(keys, platform.token_issuer, platform.token_audience)


def parsed(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


@dataclass
class Real:
    stack: Stack
    client: httpx.AsyncClient  # the subscriptions app's API (public and internal)
    identity: httpx.AsyncClient  # identity's public API
    activities: SubscriptionActivities
    users: UserFactory
    smtp: SmtpServer
    centre: str  # the service centre's address the activities are configured with
    mounts: dict[str, httpx.AsyncBaseTransport]
    platform: PlatformSettings
    mail: MailSettings
    requests: list[httpx.Request] = field(default_factory=list)  # the activities' requests
    _operator: User | None = None
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def activities_with(self, **platform: Any) -> SubscriptionActivities:
        """The same activities under other platform settings (e.g. another service token)."""
        http = httpx.AsyncClient(mounts=self.mounts)
        self._clients.append(http)
        settings = self.platform.model_copy(update=platform)
        centre = WorkflowSettings(service_centre_email=self.centre)
        return SubscriptionActivities(http, settings, self.mail, centre)

    async def offering(self, **changes: Any) -> int:
        """A fresh payroll offering at the Hull site, created through the operator API."""
        if self._operator is None:
            self._operator = await self.users(role="operator")
        offering_id = next(_offering_ids)
        await offering(self.client, self._operator, offering_id, **changes)
        return offering_id

    async def pending(
        self, user: User, offering_id: int | None = None, start: date | None = None
    ) -> str:
        """A pending request of the user (on a fresh offering unless one is given)."""
        offering_id = offering_id or await self.offering()
        vehicle = await add_vehicle(self.client, user)
        return await pending_row(self.stack, user, offering_id, [vehicle["id"]], start)

    async def active(self, user: User, offering_id: int | None = None, **pending: Any) -> str:
        """A request approved by the service's internal endpoint (not by the activity)."""
        sid = await self.pending(user, offering_id, **pending)
        response = await transition(self.client, self.stack, sid, "approve")
        assert response.status_code == 200, response.text
        return sid

    async def internal(self, sid: str) -> dict[str, Any]:
        """The subscription as the service stores it (its internal endpoint)."""
        response = await self.client.get(
            f"/internal/v1/subscriptions/{sid}", headers=self.stack.internal
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def audit_trail(self, sid: str) -> list[dict[str, Any]]:
        """The subscription's `audit_entries` rows, oldest first."""
        query = (
            select(AuditEntry.__table__)
            .where(AuditEntry.subscription_id == sid)
            .order_by(AuditEntry.id)
        )
        return [dict(row._mapping) for row in await self._rows("subscriptions", query)]

    async def contract_row(self, sid: str) -> dict[str, Any] | None:
        query = select(Contract.__table__).where(Contract.subscription_id == sid)
        rows = await self._rows("subscriptions", query)
        return dict(rows[0]._mapping) if rows else None

    async def delete_account(self, user: User) -> None:
        """The user deletes their account (identity refuses while a subscription is active)."""
        response = await self.identity.post(
            "/v1/me/deletion", headers=user.headers, json={"password": PASSWORD}
        )
        assert response.status_code == 204, response.text

    async def purge_account_row(self, user: User) -> None:
        """Remove the account from identity's database directly (identity no longer knows it)."""
        engine = make_engine(self.stack.database_urls["identity"])
        try:
            async with engine.begin() as conn:
                await conn.execute(delete(Account).where(Account.id == user.id))
        finally:
            await engine.dispose()

    def inbox(self, address: str) -> list[EmailMessage]:
        """Every message the SMTP server received for `address`, oldest first."""
        stored = [m for m in self.smtp.store.list() if address in m.rcpt_tos][::-1]
        return [parsed(m.raw) for m in stored]

    async def _rows(self, service: str, query: Any) -> list[Any]:
        engine = make_engine(self.stack.database_urls[service])
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(query)).all())
        finally:
            await engine.dispose()


@pytest_asyncio.fixture
async def real(
    apps: dict[str, FastAPI],
    temporal_env: WorkflowEnvironment,
    platform_settings: PlatformSettings,
    database_urls: dict[str, str],
    smtp: SmtpServer,
    identity: httpx.AsyncClient,
    worker: Worker,  # the session's worker sends the sign-up emails the user factory reads
) -> AsyncIterator[Real]:
    await seed.main(database_urls["subscriptions"])
    platform = platform_settings.model_copy(
        update={"temporal_task_queue": f"idle-{uuid.uuid4().hex[:8]}"}  # no workflow runs here
    )
    holder: dict[str, FastAPI] = {}
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        f"{IDENTITY}/": httpx.ASGITransport(app=apps["identity"]),
        f"{SUBSCRIPTIONS}/": httpx.ASGITransport(app=_Lazy(holder)),
    }
    requests: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        requests.append(request)

    async with (
        httpx.AsyncClient(mounts=mounts) as http,
        httpx.AsyncClient(mounts=mounts, event_hooks={"request": [record]}) as activity_http,
    ):
        app = create_app(
            SubscriptionsSettings(database_url=database_urls["subscriptions"]),
            platform,
            temporal_env.client,
            http,
            verifier_of(apps["identity"], platform),
        )
        holder["app"] = app
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=SUBSCRIPTIONS) as client:
                mail = MailSettings(host="127.0.0.1", port=smtp.port, timeout=10.0)
                centre = f"centre-{uuid.uuid4().hex[:8]}@example.org"
                activities = SubscriptionActivities(
                    activity_http, platform, mail, WorkflowSettings(service_centre_email=centre)
                )
                services = Real(
                    stack=Stack(app, platform, database_urls, temporal_env.client),
                    client=client,
                    identity=identity,
                    activities=activities,
                    users=UserFactory(identity, smtp, database_urls["identity"]),
                    smtp=smtp,
                    centre=centre,
                    mounts=mounts,
                    platform=platform,
                    mail=mail,
                    requests=requests,
                )
                try:
                    yield services
                finally:
                    for extra in services._clients:
                        await extra.aclose()


def run(activity: Any, arg: Any) -> Any:
    return ActivityEnvironment().run(activity, arg)


def change(sid: str, action: str, key: str | None = None, **fields: Any) -> TransitionInput:
    return TransitionInput.model_validate(
        {
            "subscription_id": sid,
            "action": action,
            "actor": "system",
            "idempotency_key": key or f"subscription-{sid}:{action}:{uuid.uuid4().hex[:6]}",
        }
        | fields
    )


async def refused_with(activity: Any, arg: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        await run(activity, arg)
    return raised.value
