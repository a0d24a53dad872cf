"""One platform of real processes, observed: JSON logs, OTLP traces to an in-memory receiver,
the worker's metrics and health on free ports. Shared by the observability tests."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import run_module
from tests.observability.collector import Collector
from tests.observability.journey import Journey, Person, run_journey
from tests.support.mail import free_port
from tests.support.processes import served


@dataclass
class ObservedStack(Stack):
    collector_url: str = ""

    def env(self) -> dict[str, str]:
        for name in ("worker_metrics", "worker_health"):
            self.ports.setdefault(name, free_port())
        return super().env() | {
            "PLATFORM_LOG_FORMAT": "json",
            "WORKER_METRICS_PORT": str(self.ports["worker_metrics"]),
            "WORKER_HEALTH_PORT": str(self.ports["worker_health"]),
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.collector_url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # spans reach the receiver within a second
        }

    def log_text(self, name: str) -> str:
        """Everything the process wrote (stdout and stderr)."""
        return (self.folder / "logs" / f"{name}.log").read_text(errors="replace")

    def worker_url(self, what: str) -> str:
        return f"http://127.0.0.1:{self.ports['worker_' + what]}"


@pytest.fixture(scope="session")
async def collector() -> AsyncIterator[tuple[Collector, str]]:
    received = Collector()
    async with served(received.app()) as url:
        yield received, url


@pytest.fixture(scope="session")
async def observed_stack(
    tmp_path_factory: pytest.TempPathFactory,
    database_urls: dict[str, str],
    temporal_env: WorkflowEnvironment,
    collector: tuple[Collector, str],
) -> AsyncIterator[ObservedStack]:
    target = temporal_env.client.service_client.config.target_host
    running = ObservedStack(tmp_path_factory.mktemp("observed"), database_urls, target)
    running.collector_url = collector[1]
    try:
        await asyncio.to_thread(running.start)
        await wait_worker_ready(running)
        await asyncio.to_thread(run_module, running, "services.subscriptions.seed")
        yield running
    finally:
        await asyncio.to_thread(running.stop)


async def wait_worker_ready(stack: ObservedStack) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"{stack.worker_url('health')}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"worker never ready:\n{stack.log('worker')}")


@pytest.fixture(scope="session")
def person() -> Person:
    return Person.new()


@pytest.fixture(scope="session")
async def journey(observed_stack: ObservedStack, person: Person) -> Journey:
    """One person's signup, verification, profile, vehicle, card and request, approved by an
    operator in the console, until the subscription is active with its contract."""
    return await run_journey(observed_stack, person)


@pytest.fixture(scope="session")
def stack_logs(observed_stack: ObservedStack, journey: Journey) -> Iterator[dict[str, str]]:
    yield {name: observed_stack.log_text(name) for name in observed_stack.processes}
