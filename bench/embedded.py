"""The embedded stack as `make run` starts it (the Procfile, run by deploy/embedded/supervisor.py
or, for a comparison, by honcho), but on free ports and a temporary data folder, so a bench never
takes the fixed ports another engineer's `make run` may hold.

Used by bench/memory.py and bench/load_mix.py; neither asserts anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from common import HOST, ROOT, BenchError, check_python, executable
from stack import stack_env

PORT_NAMES = (
    "web",
    "identity",
    "subscriptions",
    "payments",
    "temporal",
    "temporal_ui",
    "smtp",
    "mail",
    "worker_health",
    "worker_metrics",
)
READY_PATHS = {
    "web": "/healthz",
    "identity": "/readyz",
    "subscriptions": "/readyz",
    "payments": "/readyz",
    "mail": "/healthz",
    "worker_health": "/readyz",
    "temporal_ui": "/temporal/",
}
RUNNERS = ("supervisor", "honcho")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Embedded:
    """One running stack: its ports, environment, data folder and runner process."""

    data: Path
    ports: dict[str, int]
    env: dict[str, str]
    runner: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.data / f"{self.runner}.log"

    def url(self, name: str) -> str:
        host = "localhost" if name == "web" else HOST
        return f"http://{host}:{self.ports[name]}"

    def processes(self) -> list[psutil.Process]:
        """The runner and every process under it."""
        if self.process is None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def embedded_env(data: Path, ports: dict[str, int]) -> dict[str, str]:
    """bench/stack.py's environment (databases and files in `data`), every port moved."""
    env = stack_env(data)
    url = {n: f"http://{HOST}:{ports[n]}" for n in ("identity", "subscriptions", "payments")}
    env.update(
        WEB_PORT=str(ports["web"]),
        IDENTITY_PORT=str(ports["identity"]),
        SUBSCRIPTIONS_PORT=str(ports["subscriptions"]),
        PAYMENTS_PORT=str(ports["payments"]),
        PLATFORM_IDENTITY_URL=url["identity"],
        PLATFORM_SUBSCRIPTIONS_URL=url["subscriptions"],
        PLATFORM_PAYMENTS_URL=url["payments"],
        PLATFORM_PUBLIC_WEB_ORIGIN=f"http://localhost:{ports['web']}",
        PLATFORM_TEMPORAL_ADDRESS=f"{HOST}:{ports['temporal']}",
        TEMPORAL_UI_PORT=str(ports["temporal_ui"]),
        WEB_TEMPORAL_UI_UPSTREAM=f"http://{HOST}:{ports['temporal_ui']}",
        SMTP_PORT=str(ports["smtp"]),
        MAILCATCHER_SMTP_PORT=str(ports["smtp"]),
        MAILCATCHER_HTTP_PORT=str(ports["mail"]),
        WORKER_HEALTH_PORT=str(ports["worker_health"]),
        WORKER_METRICS_PORT=str(ports["worker_metrics"]),
        PAYMENTS_SPECIMEN_DIR=str(data / "specimens"),
        PAYMENTS_EXPORT_DIR=str(data / "exports"),
    )
    return env


def runner_command(runner: str, env_file: Path) -> list[str]:
    if runner == "honcho":
        return [executable("honcho"), "start", "-f", "Procfile", "-e", str(env_file)]
    supervisor = str(ROOT / "deploy" / "embedded" / "supervisor.py")
    return [executable("python"), supervisor, "-f", "Procfile", "-e", str(env_file)]


def wait_ready(stack: Embedded, timeout: float) -> float:
    """Seconds from now until every component answers; BenchError naming those that do not."""
    started = time.monotonic()
    pending = dict(READY_PATHS)
    with httpx.Client(timeout=2.0) as http:
        while pending and time.monotonic() - started < timeout:
            assert stack.process is not None
            if stack.process.poll() is not None:
                raise BenchError(f"{stack.runner} exited early:\n{stack.log_tail()}")
            for name, path in list(pending.items()):
                with contextlib.suppress(httpx.HTTPError):
                    status = http.get(stack.url(name) + path).status_code
                    if status == 200 or (name == "temporal_ui" and status < 500):
                        del pending[name]
            time.sleep(0.2)
    if pending:
        raise BenchError(f"not ready in {timeout} s: {sorted(pending)}\n{stack.log_tail()}")
    return time.monotonic() - started


@contextlib.contextmanager
def embedded(runner: str = "supervisor", timeout: float = 180.0) -> Iterator[Embedded]:
    """A migrated, seeded, started and ready stack; stopped as Ctrl-C stops `make run` (SIGINT
    to the runner), its folder removed."""
    data = Path(tempfile.mkdtemp(prefix="bench-embedded-"))
    ports = {name: free_port() for name in PORT_NAMES}
    stack = Embedded(data, ports, embedded_env(data, ports), runner)
    try:
        check_python(
            ["-m", "servicekit.migrate", "identity", "subscriptions", "payments"],
            stack.env,
            "migrations",
        )
        check_python(["-m", "services.subscriptions.seed"], stack.env, "catalog seed")
        (data / "empty.env").write_text("")  # a developer's .env cannot redirect the stack
        with stack.log_path.open("wb") as log:
            stack.process = subprocess.Popen(
                runner_command(runner, data / "empty.env"),
                cwd=ROOT,
                env=stack.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_ready(stack, timeout)
        yield stack
    finally:
        stop(stack)
        shutil.rmtree(data, ignore_errors=True)


def stop(stack: Embedded) -> None:
    """SIGINT to the runner, as Ctrl-C; what is left after 30 s is ended by its own pid."""
    if stack.process is None:
        return
    started = stack.processes()
    if stack.process.poll() is None:
        os.kill(stack.process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            stack.process.wait(timeout=30)
    _, alive = psutil.wait_procs([p for p in started if p.is_running()], timeout=5)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    if alive:
        print(f"bench: {len(alive)} process(es) were left after the stop and were killed")
