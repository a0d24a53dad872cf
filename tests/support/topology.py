"""The production topology on one machine, as real processes on free ports: nginx as the single
entry, two replicas of the web and of each service on PostgreSQL, two workers, two of the sandbox
processor's hosted card page (its own origin, an nginx port of its own), the Temporal dev server
(the one Temporal server that runs here; a cluster in production) and the mail catcher.

Used by tests/topology/ and by `make topology` (tests/support/topology_run.py). Every process
started here is stopped here; a replica can be killed or stopped and started again on its port.
"""

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from servicekit.migrate import upgrade
from services.subscriptions import seed
from tests.e2e.stack import BIN, DIE_WITH_PARENT
from tests.support.databases import _admin
from tests.support.gateway import Gateway
from tests.support.mail import free_port

SERVICES = ("identity", "subscriptions", "payments")
REPLICATED = ("web", *SERVICES, "worker")
# Started with the others, behind nginx, but left out of the failure drills (REPLICATED): the
# journeys under load do not type cards.
HOSTED_CARD = "hosted_card"
REPLICAS = 2
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
UNTHROTTLED = "1000000/hour"
WEBHOOK_SECRET = "whsec_topology"
WORKER_POLLING = "worker polling task queue"  # workflows/worker.py, once it polls


def postgres_server() -> str:
    """TEST_DATABASE_URL when it is PostgreSQL, else the machine's server (CI always has one)."""
    given = os.environ.get("TEST_DATABASE_URL", "")
    return given if given.startswith("postgresql") else POSTGRES


@asynccontextmanager
async def topology_databases() -> AsyncIterator[dict[str, str]]:
    """A migrated database per service (the catalog seeded) and one for the workers' sent-mail
    ledger, dropped afterwards."""
    server = postgres_server()
    run = uuid.uuid4().hex[:8]
    names = {name: f"topology_{run}_{name}" for name in (*SERVICES, "mail")}
    await _admin(server, [f'CREATE DATABASE "{n}"' for n in names.values()])
    base = make_url(server)
    urls = {k: base.set(database=n).render_as_string(hide_password=False) for k, n in names.items()}
    try:
        for service in SERVICES:
            await asyncio.to_thread(upgrade, service, urls[service])
        await seed.main(urls["subscriptions"])
        yield urls
    finally:
        drops = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names.values()]
        await _admin(server, drops)


@dataclass
class Replica:
    """One process of a replicated component; `port` is None for a worker."""

    component: str
    index: int
    port: int | None
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"{self.component}-{self.index}"

    @property
    def url(self) -> str:
        host = "localhost" if self.component == "web" else "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Topology:
    """Ports, environment and processes of one running topology."""

    folder: Path
    database_urls: dict[str, str]
    temporal_address: str
    task_queue: str = field(default_factory=lambda: f"topology-{uuid.uuid4().hex[:8]}")
    count: int = REPLICAS  # replicas of each replicated component (bench: 1 against 2)
    replicas: dict[str, list[Replica]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    mail: subprocess.Popen[bytes] | None = None
    gateway: Gateway | None = None

    def __post_init__(self) -> None:
        for name in ("entry", HOSTED_CARD, *SERVICES, "smtp", "mail", "temporal_ui"):
            self.ports[name] = free_port()
        for component in (*REPLICATED, HOSTED_CARD):
            self.replicas[component] = [
                Replica(component, i, None if component == "worker" else free_port())
                for i in range(self.count)
            ]
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)

    def url(self, name: str) -> str:
        """Through nginx: `web` is the portal's entry, `hosted_card` the hosted card page's
        origin, a service its internal entry; `mail` is the catcher's page and API."""
        if name == "web":
            return f"http://localhost:{self.ports['entry']}"
        if name == HOSTED_CARD:
            return f"http://localhost:{self.ports[HOSTED_CARD]}"
        return f"http://127.0.0.1:{self.ports[name]}"

    def env(self) -> dict[str, str]:
        """Every replica's environment: the others reached through nginx, as in production."""
        urls = self.database_urls
        return os.environ | {
            "PLATFORM_TEMPORAL_ADDRESS": self.temporal_address,
            "PLATFORM_TEMPORAL_TASK_QUEUE": self.task_queue,
            **{f"PLATFORM_{s.upper()}_URL": self.url(s) for s in SERVICES},
            "PLATFORM_PUBLIC_WEB_ORIGIN": self.url("web"),
            # The portal frames the page at its public origin (nginx), as in production.
            "PLATFORM_HOSTED_CARD_ORIGIN": self.url(HOSTED_CARD),
            "HOSTED_CARD_TOKENS_PER_ADDRESS": UNTHROTTLED,
            **{f"{s.upper()}_DATABASE_URL": urls[s] for s in SERVICES},
            # Ten pools on one PostgreSQL server (identity, subscriptions, payments, the hosted
            # card page and the worker's mail ledger, two replicas each): at 10 + 5 a pool, a
            # crash test's load ran the server out of connections ("too many clients").
            "PLATFORM_DATABASE_POOL_SIZE": "5",
            "PLATFORM_DATABASE_MAX_OVERFLOW": "3",
            # Every identity replica signs with the same provisioned key.
            "IDENTITY_SIGNING_KEY_PATH": str(self.folder / "signing-key.pem"),
            "IDENTITY_SIGNUPS_PER_ADDRESS": UNTHROTTLED,
            **{
                f"PAYMENTS_{kind}": UNTHROTTLED
                for kind in (
                    "CLAIM_LOOKUPS_PER_ADDRESS",
                    "CLAIM_PAYMENTS_PER_ADDRESS",
                    "CARDS_PER_ADDRESS",
                    "CARDS_PER_ACCOUNT",
                )
            },
            # The processor's webhook is signed with it (the card processor stays the sandbox).
            "PAYMENTS_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            # Files every payments replica reads: one shared folder (a volume in production).
            "PAYMENTS_SPECIMEN_DIR": str(self.folder / "specimens"),
            "PAYMENTS_EXPORT_DIR": str(self.folder / "exports"),
            # Plain HTTP on localhost behind nginx (TLS ends in front in production), so the
            # tests' HTTP clients keep the cookie; the browser gets the same pages.
            "WEB_COOKIE_SECURE": "false",
            "WEB_TEMPORAL_UI_UPSTREAM": "",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.ports["smtp"]),
            "SMTP_LEDGER_URL": urls["mail"],
            "WORKFLOWS_EXPORT_SCHEDULES": "false",
            "MAILCATCHER_SMTP_PORT": str(self.ports["smtp"]),
            "MAILCATCHER_HTTP_PORT": str(self.ports["mail"]),
            "MAILCATCHER_STORE_DIR": str(self.folder / "mail"),
        }

    def command(self, replica: Replica) -> list[str]:
        if replica.component == "worker":
            return [sys.executable, "-m", "workflows.worker"]
        app = {"web": "web.main", HOSTED_CARD: "services.payments.hosted_card.main"}.get(
            replica.component, f"services.{replica.component}.main"
        )
        return [
            *(str(BIN / "uvicorn"), "--factory", f"{app}:create_app"),
            *("--host", "127.0.0.1", "--port", str(replica.port), "--log-level", "warning"),
        ]

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen[bytes]:
        out = (self.folder / "logs" / f"{log_name}.log").open("ab")
        return subprocess.Popen(
            [*DIE_WITH_PARENT, *command],
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def start(self) -> None:
        """Everything, ready: identity's first replica first (it writes the signing key)."""
        self.mail = self._spawn([sys.executable, "-m", "mailcatcher"], "mail")
        self.gateway = Gateway(
            self.folder / "nginx",
            self.ports["entry"],
            {s: self.ports[s] for s in SERVICES},
            {c: [r.port for r in rs if r.port] for c, rs in self.replicas.items()},
            self.ports["temporal_ui"],
            self.ports[HOSTED_CARD],
        )
        self.gateway.folder.mkdir(exist_ok=True)
        self.gateway.start()
        await self.start_replica(self.replicas["identity"][0])
        rest = [r for rs in self.replicas.values() for r in rs if r.name != "identity-0"]
        await asyncio.gather(*(self.start_replica(r) for r in rest))
        await self._wait_mail()

    async def start_replica(self, replica: Replica, timeout: float = 90.0) -> None:
        """Start (or start again, on its own port) one replica and wait until it is ready."""
        polling_before = self.log_text(replica.name).count(WORKER_POLLING)
        replica.process = self._spawn(self.command(replica), replica.name)
        if replica.port is None:
            await self._wait_polling(replica, polling_before, timeout)
            return
        path = "/healthz" if replica.component == "web" else "/readyz"
        async with httpx.AsyncClient(timeout=2.0) as http:
            deadline = asyncio.get_running_loop().time() + timeout
            while asyncio.get_running_loop().time() < deadline:
                if not replica.running:
                    raise RuntimeError(f"{replica.name} exited:\n{self.log(replica.name)}")
                try:
                    if (await http.get(f"{replica.url}{path}")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{replica.name} never became ready:\n{self.log(replica.name)}")

    async def wait_in_rotation(self, replica: Replica, timeout: float = 30.0) -> None:
        """Until nginx sends requests to this replica again (it left the replica alone for a
        moment after it failed: max_fails/fail_timeout); a worker is in rotation once polling."""
        if replica.port is None or self.gateway is None:
            return
        address, seen = f"127.0.0.1:{replica.port}", len(self.gateway.entries())
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            entries = self.gateway.entries()[seen:]
            if any(e.upstreams[-1:] == (address,) and e.status < 500 for e in entries):
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"nginx sent nothing to {replica.name} in {timeout} s")

    async def _wait_polling(self, replica: Replica, before: int, timeout: float) -> None:
        # A worker has no port: it is ready once it logs that it polls the task queue.
        deadline = asyncio.get_running_loop().time() + timeout
        while self.log_text(replica.name).count(WORKER_POLLING) <= before:
            if not replica.running or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{replica.name} is not polling:\n{self.log(replica.name)}")
            await asyncio.sleep(0.1)

    async def _wait_mail(self) -> None:
        async with httpx.AsyncClient(timeout=2.0) as http:
            for _ in range(300):
                try:
                    await http.get(f"{self.url('mail')}/api/v1/messages")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError(f"the mail catcher never answered:\n{self.log('mail')}")

    async def kill(self, replica: Replica) -> None:
        """SIGKILL, as a crashed node or an OOM kill does."""
        await self._signal(replica, signal.SIGKILL)

    async def terminate(self, replica: Replica) -> None:
        """SIGTERM, as a rolling update does: it drains what it has, then exits."""
        await self._signal(replica, signal.SIGTERM)

    async def _signal(self, replica: Replica, sig: signal.Signals) -> None:
        assert replica.process is not None
        if replica.running:
            os.killpg(replica.process.pid, sig)
        await asyncio.to_thread(replica.process.wait, 60)

    def log(self, name: str) -> str:
        return self.log_text(name)[-4000:]

    def log_text(self, name: str) -> str:
        path = self.folder / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        processes = [r.process for rs in self.replicas.values() for r in rs if r.process]
        processes += [p for p in (self.mail,) if p is not None]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.gateway is not None:
            self.gateway.stop()
