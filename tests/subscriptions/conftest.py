"""Fixtures of the subscriptions tests: the subscriptions app wired to the session's identity app,
with its own task queue and worker, the seed catalog, and small factories for users and rows.

The session's `apps` fixture starts a subscriptions app without Temporal or a verifier; this one
is fully wired (Temporal client, HTTP to identity, a verifier holding identity's key), on its own
task queue so only its worker runs the subscription workflows it starts.
"""

import itertools
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.auth import KeySet, TokenVerifier
from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from services.subscriptions import seed
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app
from tests.subscriptions.factories import SUBSCRIPTIONS, Stack, UserFactory
from tests.support.mail import SmtpServer
from workflows.registry import WORKFLOWS, build_activities

IDENTITY = "http://identity.test"


class _Lazy:
    def __init__(self, holder: dict[str, FastAPI]) -> None:
        self.holder = holder

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.holder["app"](scope, receive, send)


@pytest.fixture(scope="session")
def subs_platform(platform_settings: PlatformSettings) -> PlatformSettings:
    return platform_settings.model_copy(
        update={"temporal_task_queue": f"subscriptions-{uuid.uuid4().hex[:8]}"}
    )


def identity_verifier(identity_app: FastAPI, platform: PlatformSettings) -> TokenVerifier:
    """A verifier holding identity's public key (what the JWKS endpoint publishes)."""
    keys = KeySet()
    keys.load(identity_app.state.components.key.jwks())
    return TokenVerifier(keys, platform.token_issuer, platform.token_audience)


@pytest.fixture(scope="session")
async def stack(
    apps: dict[str, FastAPI],
    worker: Worker,
    temporal_env: WorkflowEnvironment,
    subs_platform: PlatformSettings,
    database_urls: dict[str, str],
    smtp: SmtpServer,
) -> AsyncIterator[Stack]:
    await seed.main(database_urls["subscriptions"])
    holder: dict[str, FastAPI] = {}
    async with AsyncExitStack() as exits:
        mounts = {
            f"{IDENTITY}/": httpx.ASGITransport(app=apps["identity"]),
            f"{SUBSCRIPTIONS}/": httpx.ASGITransport(app=_Lazy(holder)),
        }
        http = await exits.enter_async_context(httpx.AsyncClient(mounts=mounts))
        app = create_app(
            SubscriptionsSettings(database_url=database_urls["subscriptions"]),
            subs_platform,
            temporal_env.client,
            http,
            identity_verifier(apps["identity"], subs_platform),
        )
        holder["app"] = app
        await exits.enter_async_context(app.router.lifespan_context(app))
        mail = MailSettings(host="127.0.0.1", port=smtp.port)
        own_worker = Worker(
            temporal_env.client,
            task_queue=subs_platform.temporal_task_queue,
            workflows=list(WORKFLOWS),
            activities=build_activities(http, subs_platform, mail),
        )
        await exits.enter_async_context(own_worker)
        yield Stack(app, subs_platform, database_urls, temporal_env.client)


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=stack.app)
    async with httpx.AsyncClient(transport=transport, base_url=SUBSCRIPTIONS) as http:
        yield http


@pytest.fixture
def users(identity: httpx.AsyncClient, smtp: SmtpServer, stack: Stack) -> UserFactory:
    return UserFactory(identity, smtp, stack.database_urls["identity"])


_ids = itertools.count(random.randint(100_000, 900_000) * 10)


@dataclass
class Ids:
    """Fresh catalog ids for rows a test creates."""

    def next(self) -> int:
        return next(_ids)


@pytest.fixture
def ids() -> Ids:
    return Ids()
