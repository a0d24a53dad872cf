"""`make run` (issue 14): the Procfile run by deploy/embedded/supervisor.py, on free ports and a
temporary folder. Every URL the README lists answers, each app's log lines and `/metrics` name
that app although the web and the three services share one process, and SIGINT (Ctrl-C) stops
every process it started."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.mail import free_port

ROOT = Path(__file__).resolve().parents[1]
APPS = ("web", "identity", "subscriptions", "payments")
READY = {
    "web": "/healthz",
    "identity": "/readyz",
    "subscriptions": "/readyz",
    "payments": "/readyz",
    "hosted_card": "/readyz",
    "mail": "/healthz",
    "worker_health": "/readyz",
}


def environment(folder: Path, ports: dict[str, int]) -> dict[str, str]:
    url = {name: f"http://127.0.0.1:{ports[name]}" for name in APPS}
    return os.environ | {
        **{f"{name.upper()}_PORT": str(ports[name]) for name in APPS},
        **{f"PLATFORM_{name.upper()}_URL": url[name] for name in APPS if name != "web"},
        **{
            f"{name.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{folder / name}.db"
            for name in APPS
            if name != "web"
        },
        "PLATFORM_PUBLIC_WEB_ORIGIN": f"http://localhost:{ports['web']}",
        "HOSTED_CARD_PORT": str(ports["hosted_card"]),
        "PLATFORM_HOSTED_CARD_ORIGIN": f"http://localhost:{ports['hosted_card']}",
        "PLATFORM_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
        "PLATFORM_DATA_DIR": str(folder),
        "TEMPORAL_UI_PORT": str(ports["temporal_ui"]),
        "WEB_TEMPORAL_UI_UPSTREAM": f"http://127.0.0.1:{ports['temporal_ui']}",
        "IDENTITY_SIGNING_KEY_PATH": str(folder / "signing-key.pem"),
        "SMTP_PORT": str(ports["smtp"]),
        "MAILCATCHER_SMTP_PORT": str(ports["smtp"]),
        "MAILCATCHER_HTTP_PORT": str(ports["mail"]),
        "MAILCATCHER_STORE_DIR": str(folder / "mail"),
        "WORKER_HEALTH_PORT": str(ports["worker_health"]),
        "WORKER_METRICS_PORT": str(ports["worker_metrics"]),
        "PAYMENTS_SPECIMEN_DIR": str(folder / "specimens"),
        "PAYMENTS_EXPORT_DIR": str(folder / "exports"),
    }


class Run:
    def __init__(self, process: subprocess.Popen[bytes], ports: dict[str, int], log: Path):
        self.process, self.ports, self.log = process, ports, log

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    folder = tmp_path_factory.mktemp("make-run")
    names = (
        *APPS,
        "hosted_card",
        "mail",
        "smtp",
        "temporal",
        "temporal_ui",
        "worker_health",
        "worker_metrics",
    )
    ports = {name: free_port() for name in names}
    env = environment(folder, ports)
    migrate = [sys.executable, "-m", "servicekit.migrate", "identity", "subscriptions", "payments"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True)
    (folder / "empty.env").write_text("")
    log = folder / "run.log"
    command = [sys.executable, "deploy/embedded/supervisor.py", "-e", str(folder / "empty.env")]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    running = Run(process, ports, log)
    try:
        wait_ready(running)
        yield running
    finally:
        if process.poll() is None:
            process.kill()  # the SIGINT test did not run or did not stop it
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()


def wait_ready(run: Run, timeout: float = 120.0) -> None:
    pending = dict(READY)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        assert run.process.poll() is None, run.log.read_text()[-3000:]
        for name, path in list(pending.items()):
            try:
                if httpx.get(run.url(name, path), timeout=2.0).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    assert not pending, f"not ready: {pending}\n{run.log.read_text()[-3000:]}"


def test_the_web_and_the_services_share_one_process_on_their_own_ports(run: Run) -> None:
    listening = {
        conn.laddr.port: conn.pid
        for conn in psutil.net_connections("tcp")
        if conn.status == psutil.CONN_LISTEN
    }
    owners = {listening.get(run.ports[name]) for name in APPS}
    children = psutil.Process(run.process.pid).children()
    # Temporal, the mail catcher, the four apps in one process, the worker; no shell between.
    assert len(children) == 4
    assert len(owners) == 1 and owners <= {child.pid for child in children}
    for name in APPS:
        path = "/healthz" if name == "web" else "/docs"
        assert httpx.get(run.url(name, path)).status_code == 200


def test_each_app_logs_and_counts_its_own_requests(run: Run) -> None:
    assert httpx.get(run.url("identity", "/healthz")).status_code == 200
    time.sleep(1.5)  # the access log is flushed by its thread
    lines = run.log.read_text().splitlines()
    assert any("/healthz" in line and "service=identity" in line for line in lines)
    identity = httpx.get(run.url("identity", "/metrics")).text
    assert 'service="identity"' in identity
    assert 'service="web"' not in identity
    assert "parking_pending_requests" not in identity
    subscriptions = httpx.get(run.url("subscriptions", "/metrics")).text
    assert "parking_pending_requests" in subscriptions
    assert "parking_charges_total" not in subscriptions
    assert "parking_charges_total" in httpx.get(run.url("payments", "/metrics")).text


def test_ctrl_c_stops_every_process(run: Run) -> None:
    started = psutil.Process(run.process.pid).children(recursive=True)
    run.process.send_signal(signal.SIGINT)
    assert run.process.wait(timeout=40) == 0
    gone, alive = psutil.wait_procs(started, timeout=5)
    assert alive == []
    assert len(gone) == len(started)
