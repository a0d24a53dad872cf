"""The topology, started once for the tests of this folder (tests/support/topology.py), and
Debian's Chromium as the end-to-end tests drive it."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.e2e.conftest import browser, page  # noqa: F401
from tests.support.topology import Topology, postgres_server, topology_databases


@pytest.fixture(scope="session")
async def topology(
    tmp_path_factory: pytest.TempPathFactory, temporal_env: WorkflowEnvironment
) -> AsyncIterator[Topology]:
    target = temporal_env.client.service_client.config.target_host
    async with AsyncExitStack() as stack:
        try:
            urls = await stack.enter_async_context(topology_databases())
        except OSError as exc:
            pytest.fail(f"the topology needs PostgreSQL ({postgres_server()}): {exc}")
        running = Topology(tmp_path_factory.mktemp("topology"), urls, target)
        stack.callback(running.stop)
        await running.start()
        yield running
