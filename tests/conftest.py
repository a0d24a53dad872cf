"""Fixtures shared by the suites: real databases, a real Temporal dev server, real SMTP, and the
services wired to each other in-process (httpx over ASGI), with the real worker running."""

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from services.identity.main import create_app as create_identity
from services.payments.claims.ports import SubscriptionsPort
from services.payments.config import PaymentsSettings
from services.payments.main import create_app as create_payments
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app as create_subscriptions
from tests.support.databases import kind, provision
from tests.support.mail import SmtpServer
from tests.support.temporal import start_dev_server
from tests.support.verifier import identity_verifier
from workflows.registry import INTERCEPTORS, WORKFLOWS, build_activities, install_actor_keys

IDENTITY, SUBSCRIPTIONS = "http://identity.test", "http://subscriptions.test"
PAYMENTS = "http://payments.test"
UNTHROTTLED = "1000000/hour"


def pytest_configure(config: pytest.Config) -> None:
    # Workers started here and the worker processes tests start share one sent-mail ledger of
    # this run (never the repository's .data/): a message sent by one is skipped by the others.
    ledger = Path(tempfile.mkdtemp(prefix="sent-mail-")) / "sent-mail.db"
    os.environ["SMTP_LEDGER_URL"] = f"sqlite+aiosqlite:///{ledger}"


def pytest_report_header() -> str:
    return "databases: TEST_DATABASE_URL, else testcontainers, else SQLite"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under libfaketime (`make test-dates`) the Temporal dev server, a Go program, keeps the
    real clock while the services and the worker see the moved one: a test that compares the
    two clocks would measure that gap, not the product."""
    if os.environ.get("FAKETIME") and item.get_closest_marker("server_clock"):
        pytest.skip("compares the dev server's clock with ours; libfaketime cannot move Go's")


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with provision(tmp_path_factory.mktemp("db")) as urls:
        print(f"\n[test databases: {kind(urls)}]")
        yield urls


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def smtp(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SmtpServer]:
    server = SmtpServer(tmp_path_factory.mktemp("mail"))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def platform_settings() -> PlatformSettings:
    return PlatformSettings(
        identity_url=IDENTITY,
        subscriptions_url=SUBSCRIPTIONS,
        payments_url=PAYMENTS,
        temporal_task_queue=f"tests-{uuid.uuid4().hex[:8]}",
        public_web_origin="https://portal.test",
    )


@pytest.fixture(scope="session")
def identity_settings(tmp_path_factory: pytest.TempPathFactory, database_urls: dict[str, str]):
    return IdentitySettings(
        database_url=database_urls["identity"],
        signing_key_path=str(tmp_path_factory.mktemp("keys") / "signing-key.pem"),
        # The whole suite signs up from a handful of addresses; the throttle tests set their own.
        signups_per_address=UNTHROTTLED,
    )


@pytest.fixture(scope="session")
def payments_settings(
    tmp_path_factory: pytest.TempPathFactory, database_urls: dict[str, str]
) -> PaymentsSettings:
    return PaymentsSettings(
        database_url=database_urls["payments"],
        specimen_dir=str(tmp_path_factory.mktemp("specimens")),
        export_dir=str(tmp_path_factory.mktemp("exports")),
        charge_wait_seconds=20.0,
        claim_lookups_per_address=UNTHROTTLED,
        claim_payments_per_address=UNTHROTTLED,
        cards_per_address=UNTHROTTLED,
        cards_per_account=UNTHROTTLED,
    )


async def _started(stack: AsyncExitStack, app: FastAPI) -> FastAPI:
    await stack.enter_async_context(app.router.lifespan_context(app))
    return app


@pytest.fixture(scope="session")
async def apps(
    database_urls: dict[str, str],
    temporal_env: WorkflowEnvironment,
    platform_settings: PlatformSettings,
    identity_settings: IdentitySettings,
    payments_settings: PaymentsSettings,
) -> AsyncIterator[dict[str, FastAPI]]:
    """Identity, subscriptions and payments, started, reaching each other over in-process HTTP.

    Subscriptions and payments verify identity's tokens; subscriptions and payments start their
    workflows on the session's task queue, which the `worker` fixture serves.
    """
    async with AsyncExitStack() as stack:
        apps: dict[str, FastAPI] = {}
        mounts = {
            f"{IDENTITY}/": httpx.ASGITransport(app=_Lazy(apps, "identity")),
            f"{SUBSCRIPTIONS}/": httpx.ASGITransport(app=_Lazy(apps, "subscriptions")),
            f"{PAYMENTS}/": httpx.ASGITransport(app=_Lazy(apps, "payments")),
        }
        http = await stack.enter_async_context(httpx.AsyncClient(mounts=mounts))
        apps["identity"] = await _started(
            stack,
            create_identity(identity_settings, platform_settings, temporal_env.client, http),
        )
        subscriptions = create_subscriptions(
            SubscriptionsSettings(database_url=database_urls["subscriptions"]),
            platform_settings,
            temporal_env.client,
            http,
            identity_verifier(apps["identity"], platform_settings, http),
        )
        apps["subscriptions"] = await _started(stack, subscriptions)
        payments = create_payments(
            payments_settings,
            platform_settings,
            verifier=identity_verifier(apps["identity"], platform_settings, http),
            temporal=temporal_env.client,
            # Its calls to subscriptions and identity (the exports' facts and names) in-process.
            http=http,
        )
        payments.state.subscriptions = SubscriptionsPort(http, platform_settings)
        apps["payments"] = await _started(stack, payments)
        apps["http"] = http  # type: ignore[assignment]
        yield apps


class _Lazy:
    """An ASGI app resolved at call time (the apps refer to each other)."""

    def __init__(self, apps: dict[str, FastAPI], name: str) -> None:
        self.apps, self.name = apps, name

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        await self.apps[self.name](scope, receive, send)


@pytest.fixture(scope="session")
async def worker(
    apps: dict[str, FastAPI],
    temporal_env: WorkflowEnvironment,
    platform_settings: PlatformSettings,
    smtp: SmtpServer,
) -> AsyncIterator[Worker]:
    """The real worker: real workflows, real activities calling identity and sending real mail."""
    mail = MailSettings(host="127.0.0.1", port=smtp.port)
    activities = build_activities(apps["http"], platform_settings, mail)  # type: ignore[arg-type]
    install_actor_keys(platform_settings)
    worker = Worker(
        temporal_env.client,
        task_queue=platform_settings.temporal_task_queue,
        workflows=list(WORKFLOWS),
        activities=activities,
        interceptors=list(INTERCEPTORS),
    )
    async with worker:
        yield worker


@pytest.fixture
async def identity(apps: dict[str, FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=apps["identity"], client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=IDENTITY) as client:
        yield client


@pytest.fixture
def identity_app(apps: dict[str, FastAPI]) -> FastAPI:
    """The session's identity app (its throttle state, for instance)."""
    return apps["identity"]


@pytest.fixture
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture
def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.org"
