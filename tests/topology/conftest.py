"""The topology, started once for the tests of this folder (tests/support/topology.py)."""

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.topology import Topology, topology_databases


@pytest.fixture(scope="session")
async def topology(
    tmp_path_factory: pytest.TempPathFactory, temporal_env: WorkflowEnvironment
) -> AsyncIterator[Topology]:
    target = temporal_env.client.service_client.config.target_host
    async with topology_databases() as urls:
        running = Topology(tmp_path_factory.mktemp("topology"), urls, target)
        try:
            await running.start()
            yield running
        finally:
            running.stop()


# Debian's Chromium, as the end-to-end tests drive it.
from tests.e2e.conftest import browser, page  # noqa: E402, F401
