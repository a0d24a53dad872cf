"""Fixtures of the subscriptions tests: the session's subscriptions app (fully wired in
tests/conftest.py, served by the session's worker) with the seed catalog, and small factories
for users and rows."""

import itertools
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from services.subscriptions import seed
from tests.subscriptions.factories import SUBSCRIPTIONS, Stack, UserFactory
from tests.support.mail import SmtpServer


@pytest.fixture(scope="session")
async def stack(
    apps: dict[str, FastAPI],
    worker: Worker,
    temporal_env: WorkflowEnvironment,
    platform_settings: PlatformSettings,
    database_urls: dict[str, str],
) -> Stack:
    await seed.main(database_urls["subscriptions"])
    return Stack(apps["subscriptions"], platform_settings, database_urls, temporal_env.client)


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
