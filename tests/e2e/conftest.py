"""The running platform and a Chromium page for the end-to-end tests."""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from tests.e2e.stack import Stack
from tests.support.databases import provision
from tests.support.mail import free_port
from tests.support.temporal import start_dev_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def temporal_ui_port() -> int:
    """The port of the dev server's Web UI (127.0.0.1, under /temporal)."""
    return free_port()


@pytest.fixture(scope="session")
async def temporal_env(temporal_ui_port: int) -> AsyncIterator[WorkflowEnvironment]:
    """The dev server as `make run` starts it: with its Web UI, which the web relays."""
    env = await start_dev_server(ui_port=temporal_ui_port)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def e2e_database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Databases of the stack's own: the stack lives for the whole session, and its
    subscriptions process runs the outbox relay, which would otherwise deliver other tests'
    outbox entries to the stack's Temporal server (and delete them)."""
    with provision(tmp_path_factory.mktemp("e2e-db")) as urls:
        yield urls


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    e2e_database_urls: dict[str, str],
    temporal_env: WorkflowEnvironment,
    temporal_ui_port: int,
) -> Iterator[Stack]:
    target = temporal_env.client.service_client.config.target_host
    ui = f"http://127.0.0.1:{temporal_ui_port}"
    running = Stack(tmp_path_factory.mktemp("stack"), e2e_database_urls, target, ui)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required: `make test` installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="fr-CA", viewport={"width": 1200, "height": 900})
    opened = await context.new_page()
    yield opened
    await context.close()


def shot(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
