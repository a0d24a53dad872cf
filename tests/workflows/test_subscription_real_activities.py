"""The real subscription activities against the real subscriptions and identity apps.

Both apps run in-process on the suite's migrated databases and reach each other over httpx; the
emails go to the suite's SMTP server. Requests are written by the service itself (no workflow
behind them), so every state change here is one the activity under test made.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.auth import KeySet, TokenVerifier
from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from services.subscriptions import seed
from services.subscriptions.clock import today
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app
from tests.subscriptions.factories import (
    SUBSCRIPTIONS,
    Stack,
    User,
    UserFactory,
    add_vehicle,
    offering,
    pending_row,
)
from tests.support.mail import SmtpServer
from workflows.subscription.activities import SubscriptionActivities
from workflows.subscription.models import (
    ContractInput,
    SubscriptionRef,
    TransitionInput,
    UserEmailInput,
)
from workflows.subscription.settings import WorkflowSettings

IDENTITY = "http://identity.test"


@dataclass
class Real:
    stack: Stack
    client: httpx.AsyncClient  # the subscriptions app's public API
    activities: SubscriptionActivities
    users: UserFactory


class _Lazy:
    def __init__(self, holder: dict[str, FastAPI]) -> None:
        self.holder = holder

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.holder["app"](scope, receive, send)


def verifier_of(identity_app: FastAPI, platform: PlatformSettings) -> TokenVerifier:
    keys = KeySet()
    keys.load(identity_app.state.components.key.jwks())
    return TokenVerifier(keys, platform.token_issuer, platform.token_audience)


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
    mounts = {
        f"{IDENTITY}/": httpx.ASGITransport(app=apps["identity"]),
        f"{SUBSCRIPTIONS}/": httpx.ASGITransport(app=_Lazy(holder)),
    }
    async with httpx.AsyncClient(mounts=mounts) as http:
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
                mail = MailSettings(host="127.0.0.1", port=smtp.port)
                activities = SubscriptionActivities(
                    http, platform, mail, WorkflowSettings(service_centre_email="c@example.org")
                )
                stack = Stack(app, platform, database_urls, temporal_env.client)
                users = UserFactory(identity, smtp, database_urls["identity"])
                yield Real(stack, client, activities, users)


def run(activity: Any, arg: Any) -> Any:
    return ActivityEnvironment().run(activity, arg)


async def request(real: Real, user: User, offering_id: int) -> str:
    vehicle = await add_vehicle(real.client, user)
    return await pending_row(real.stack, user, offering_id, [vehicle["id"]])


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


async def refused_with(real: Real, transition: TransitionInput) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        await run(real.activities.transition, transition)
    return raised.value


async def test_lifecycle_activities_against_the_real_service(real: Real, smtp: SmtpServer) -> None:
    operator = await real.users(role="operator")
    offering_id = 880_000 + uuid.uuid4().int % 99_999
    await offering(real.client, operator, offering_id, capacity=1, notice_days=30)
    user, other = await real.users(), await real.users(language="en")
    first, second = await request(real, user, offering_id), await request(real, other, offering_id)

    approve = change(first, "approve", key=f"subscription-{first}:approve:0")
    approved = await run(real.activities.transition, approve)
    assert (approved.status, approved.billing_mode) == ("active", "payroll")
    assert (approved.start_date, approved.offering_id) == (today() + timedelta(days=3), offering_id)
    assert await run(real.activities.transition, approve) == approved  # a repeat changes nothing

    full = await refused_with(real, change(second, "approve"))
    assert (full.type, full.non_retryable) == ("offering_full", True)
    no_reason = await refused_with(real, change(second, "refuse"))
    assert (no_reason.type, no_reason.non_retryable) == ("validation_failed", True)
    wrong = await refused_with(real, change(first, "expire"))
    assert (wrong.type, wrong.non_retryable) == ("invalid_transition", True)

    key = f"subscription-{first}:contract"
    await run(
        real.activities.generate_contract, ContractInput(subscription_id=first, idempotency_key=key)
    )
    email = UserEmailInput(
        subscription_id=first,
        kind="subscription_approved",
        key=f"subscription-{first}:email:subscription_approved",
        attach_contract=True,
    )
    assert (await run(real.activities.email_user, email)).outcome == "sent"

    scheduled = await run(
        real.activities.transition, change(first, "schedule_cancellation", requested_date=today())
    )
    assert scheduled.cancellation_effective == today() + timedelta(days=30)
    assert (await run(real.activities.transition, change(first, "end"))).status == "ended"
    assert (
        await run(real.activities.load, SubscriptionRef(subscription_id=first))
    ).status == "ended"

    [stored] = [m for m in await smtp.wait_for(user.email) if b"contrat-" in m.raw]
    message = BytesParser(policy=policy.default).parsebytes(stored.raw)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Votre demande d'abonnement a été approuvée"
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "Statut de l'abonnement : Actif" in text.get_content()
