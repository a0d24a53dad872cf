"""The embedded stack, for the benches: free ports, a temporary data folder, migrations, the
Procfile's supervisor (deploy/embedded/supervisor.py, as `make run`; named `honcho` in the code,
which ran it before) in its own process group, readiness, the mail catcher's API, and a clean stop.

`bench/accounts.py` and `bench/subscriptions.py` share these; neither asserts anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil
from common import (
    HOST,
    RESULTS,
    ROOT,
    BenchError,
    check_python,
    executable,
    run_python,
)
from databases import database_urls
from inbox import IDENTITY, MAIL, Mailbox, signup
from ports import PORT, port_env, url

T = TypeVar("T")


# The stack's ports (bench/ports.py: free ones unless BENCH_FIXED_PORTS=1), by port.
PORTS = {port: name for name, port in PORT.items()}
# Component -> URL answering when it is up; the worker is detected by a delivered email instead.
HTTP_CHECKS = {
    "web": f"{url('web')}/healthz",
    "identity": f"{IDENTITY}/readyz",
    "subscriptions": f"{url('subscriptions')}/readyz",
    "payments": f"{url('payments')}/readyz",
    "hosted_card": f"{url('hosted_card')}/readyz",
    "mail": f"{MAIL}/healthz",
    "temporal_ui": f"{url('temporal_ui')}/",
}
COMPONENTS = [*HTTP_CHECKS, "worker"]
# Which Procfile entry a process of the tree belongs to, from its command line.
PROCESS_KEYWORDS = [
    ("temporal", ("temporal_dev", "start-dev")),
    ("mail", ("mailcatcher",)),
    ("identity", ("services.identity",)),
    ("subscriptions", ("services.subscriptions",)),
    ("payments", ("services.payments",)),
    ("worker", ("workflows.worker",)),
    ("web", ("web.main",)),
    # The web and the three services in one process (deploy/embedded/apps.py).
    ("apps", ("deploy/embedded/apps.py",)),
]


# --------------------------------------------------------------------------- small helpers


def busy_ports() -> list[str]:
    """The fixed ports that something else already holds."""
    busy = []
    for port, name in PORTS.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port))
            except OSError:
                busy.append(f"{port} ({name})")
    return busy


def stack_env(data: Path) -> dict[str, str]:
    """The environment that sends every database, key, mail and Temporal file into `data`."""
    env = dict(os.environ) | port_env()
    env.update(
        IDENTITY_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'identity.db'}",
        SUBSCRIPTIONS_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'subscriptions.db'}",
        PAYMENTS_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'payments.db'}",
        IDENTITY_SIGNING_KEY_PATH=str(data / "identity" / "signing-key.pem"),
        MAILCATCHER_STORE_DIR=str(data / "mail"),
        PLATFORM_DATA_DIR=str(data),  # deploy/embedded/temporal_dev.py puts temporal.db here
        PYTHONUNBUFFERED="1",
        # The benches sign up and add cards by the hundred from one address.
        IDENTITY_SIGNUPS_PER_ADDRESS="1000000/hour",
        PAYMENTS_CARDS_PER_ADDRESS="1000000/hour",
        PAYMENTS_CARDS_PER_ACCOUNT="1000000/hour",
    )
    return env


def web_preflight(env: dict[str, str]) -> str | None:
    """None when the web app builds; otherwise why (honcho would stop everything if it died)."""
    code = "from web.main import create_app; create_app()"
    try:
        done = run_python(["-c", code], env, timeout=60)
    except subprocess.TimeoutExpired:
        return "building web.main:create_app() took more than 60 s"
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def classify(proc: psutil.Process) -> str:
    """The Procfile entry a process belongs to (the supervisor itself otherwise)."""
    try:
        cmdline = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    for name, keywords in PROCESS_KEYWORDS:
        if any(k in cmdline for k in keywords):
            return name
    return "supervisor"


def tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants still alive."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_memory(pid: int) -> dict[str, Any]:
    """RSS (and PSS, which does not count shared pages twice) of the tree, per Procfile entry."""
    per: dict[str, dict[str, float]] = {}
    total_rss = total_pss = 0
    count = 0
    for proc in tree(pid):
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss = getattr(info, "pss", 0)
        name = classify(proc)
        entry = per.setdefault(name, {"processes": 0, "rss_mib": 0.0, "pss_mib": 0.0})
        entry["processes"] += 1
        entry["rss_mib"] += info.rss / 2**20
        entry["pss_mib"] += pss / 2**20
        total_rss += info.rss
        total_pss += pss
        count += 1
    for entry in per.values():
        entry["rss_mib"] = round(entry["rss_mib"], 1)
        entry["pss_mib"] = round(entry["pss_mib"], 1)
    return {
        "processes": count,
        "rss_mib": round(total_rss / 2**20, 1),
        "pss_mib": round(total_pss / 2**20, 1),
        "by_component": dict(sorted(per.items(), key=lambda kv: -kv[1]["rss_mib"])),
    }


# --------------------------------------------------------------------------- the mail poller


# --------------------------------------------------------------------------- accounts and readiness


async def answers(http: httpx.AsyncClient, name: str, url: str) -> bool:
    try:
        response = await http.get(url)
    except httpx.HTTPError:
        return False
    return response.status_code < 500 if name == "temporal_ui" else response.status_code == 200


async def wait_for_startup(
    http: httpx.AsyncClient,
    mailbox: Mailbox,
    honcho: subprocess.Popen[bytes],
    launched: float,
    expected: list[str],
    probe: str,
    deadline: float,
) -> dict[str, float | None]:
    """Seconds from the launch to each component answering (None: not within the deadline)."""
    ready: dict[str, float | None] = {name: None for name in expected}
    probe_sent: float | None = None
    while time.monotonic() < deadline:
        if honcho.poll() is not None:
            raise BenchError(f"honcho exited early (status {honcho.returncode})")
        pending = [n for n in expected if n in HTTP_CHECKS and ready[n] is None]
        results = await asyncio.gather(*(answers(http, n, HTTP_CHECKS[n]) for n in pending))
        now = time.monotonic()
        for name, ok in zip(pending, results, strict=True):
            if ok:
                ready[name] = now - launched
                if name == "mail":
                    mailbox.start()
        if probe_sent is None and ready["identity"] is not None and ready["mail"] is not None:
            with contextlib.suppress(httpx.HTTPError):
                if (await signup(http, probe)).status_code == 202:
                    probe_sent = time.monotonic()
        if probe_sent is not None and ready["worker"] is None and probe in mailbox.arrivals:
            ready["worker"] = mailbox.arrivals[probe].seen - launched
        if all(v is not None for v in ready.values()):
            break
        await asyncio.sleep(0.05)
    return ready


# --------------------------------------------------------------------------- start and stop


def migrate(env: dict[str, str]) -> None:
    check_python(
        ["-m", "servicekit.migrate", "identity", "subscriptions", "payments"], env, "migrations"
    )


def stop(honcho: subprocess.Popen[bytes], started: list[psutil.Process]) -> str:
    """SIGINT to the group we started, then SIGTERM, then SIGKILL; leftovers by their own pid."""
    how = "already exited"
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if honcho.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(honcho.pid, sig)  # honcho leads its own session: its group is ours alone
        how = signal.Signals(sig).name
        with contextlib.suppress(subprocess.TimeoutExpired):
            honcho.wait(timeout=wait)
    # honcho starts each entry in a session of its own and may return while one still finishes
    # its graceful shutdown: give them time, then end what is left of ours, by pid.
    _, alive = psutil.wait_procs([p for p in started if p.is_running()], timeout=15)
    names = sorted({classify(p) for p in alive})
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive_still = psutil.wait_procs(alive, timeout=5)
    for proc in alive_still:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    if alive:
        how += f"; {len(alive)} leftover process(es) terminated by pid ({', '.join(names)})"
    return how


def require_free_ports() -> None:
    """Exit before anything starts when a fixed port of the embedded mode is taken."""
    busy = busy_ports()
    if busy:
        raise SystemExit(
            "bench: these ports must be free (with BENCH_FIXED_PORTS=1: is `make run` or "
            "another stack running?): " + ", ".join(busy)
        )


@dataclass
class Running:
    """The stack a bench started: its environment, data folder and honcho process."""

    env: dict[str, str]
    data: Path
    honcho: subprocess.Popen[bytes]
    launched: float  # time.monotonic() just before honcho was started
    expected: list[str]  # the components to wait for (web is left out when it cannot start)
    started: list[psutil.Process] = field(default_factory=list)

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        """asyncio.run(main), remembering the process tree for the stop while it still lives."""
        return asyncio.run(self._remembering(main))

    async def _remembering(self, main: Coroutine[Any, Any, T]) -> T:
        try:
            return await main
        finally:
            self.started.extend(tree(self.honcho.pid))


@contextlib.contextmanager
def embedded_stack(
    results: dict[str, Any],
    prefix: str,
    log_name: str,
    prepare: Callable[[dict[str, str]], None] | None = None,
    database_url: str | None = None,
) -> Iterator[Running]:
    """Migrate a fresh temporary data folder, run `prepare(env)`, start honcho, yield; then stop
    the process group, keep honcho's log as bench/results/`log_name` and remove the folder.
    `database_url` (a PostgreSQL server): the services' databases are fresh ones there instead
    of SQLite files, dropped at the end (`bench/databases.py`).

    A BenchError raised inside is recorded as results["error"]; results["shutdown"] says how the
    stack stopped.
    """
    data = Path(tempfile.mkdtemp(prefix=prefix))
    log_path = data / "honcho.log"
    honcho: subprocess.Popen[bytes] | None = None
    running: Running | None = None
    databases = contextlib.ExitStack()
    try:
        env = stack_env(data) | databases.enter_context(database_urls(data, database_url))
        migrate(env)
        if prepare is not None:
            prepare(env)
        expected = list(COMPONENTS)
        web_problem = web_preflight(env)
        if web_problem:  # it shares its process with the services (Procfile `apps`)
            results["web_not_ready"] = web_problem
            raise BenchError(f"the web app does not build: {web_problem}")
        (data / "empty.env").write_text("")  # so a developer's .env cannot redirect the stack
        # As `make run` runs the Procfile (the variable keeps its historical name).
        supervisor = str(ROOT / "deploy" / "embedded" / "supervisor.py")
        empty = str(data / "empty.env")
        command = [executable("python"), supervisor, "-f", "Procfile", "-e", empty]
        with log_path.open("wb") as log:
            launched = time.monotonic()
            honcho = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = Running(env, data, honcho, launched, expected)
        yield running
    except BenchError as exc:
        results["error"] = str(exc)
    finally:
        if honcho is not None:
            started = running.started if running else []
            started.extend(p for p in tree(honcho.pid) if p not in started)
            results["shutdown"] = stop(honcho, started)
        databases.close()
        if log_path.exists():
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_path, RESULTS / log_name)
        shutil.rmtree(data, ignore_errors=True)


async def stack_ready(
    http: httpx.AsyncClient,
    mailbox: Mailbox,
    stack: Running,
    run_id: str,
    startup_timeout: float,
    needed: tuple[str, ...],
    results: dict[str, Any],
) -> None:
    """Wait for the stack (a probe signup shows mail and the worker at work); record how long
    each part took in `results["startup_s"]`; BenchError when a needed part is not up."""
    probe = f"bench-{run_id}-probe@example.org"
    ready = await wait_for_startup(
        http,
        mailbox,
        stack.honcho,
        stack.launched,
        stack.expected,
        probe,
        stack.launched + startup_timeout,
    )
    results["startup_s"] = {k: None if v is None else round(v, 2) for k, v in ready.items()}
    down = [name for name in needed if ready.get(name) is None]
    if down:
        raise BenchError(f"not ready within {startup_timeout} s: {', '.join(down)}")
