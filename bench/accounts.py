"""Figures of the accounts issue, measured on the embedded stack (printed, never asserted).

    .venv/bin/python bench/accounts.py          # or: make bench

What it does, on loopback only:

1. Checks that the fixed ports of the embedded mode are free, creates a fresh temporary data
   folder (three SQLite databases, the signing key, the caught mail, Temporal's SQLite file) and
   runs the migrations on it.
2. Starts `honcho start -f Procfile` in its own process group and measures the time from the
   launch to every component answering: web `/healthz`, identity, subscriptions and payments
   `/readyz`, the mail catcher `/healthz`, the Temporal Web UI, and the worker (seen working when
   a first signup's verification email reaches the catcher).
3. Resident memory of the whole process tree after a few seconds at rest.
4. Signups (`POST /v1/accounts` on identity, unique addresses, N at C concurrent): the time from
   each request to its verification email being visible in the catcher's Mailpit API.
5. Logins (`POST /v1/sessions`) of verified accounts at 20 concurrent users, and the argon2id
   parameters that set their cost.
6. Stops the stack (SIGINT to its process group, then SIGTERM/SIGKILL if needed), removes the
   folder, prints a table and writes `bench/results/accounts.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"

# The embedded mode's fixed ports (Procfile, mailcatcher and Temporal dev-server defaults).
PORTS = {
    8000: "web",
    8001: "identity",
    8002: "subscriptions",
    8003: "payments",
    1025: "mail catcher (SMTP)",
    8025: "mail catcher (HTTP)",
    7233: "Temporal frontend",
    8233: "Temporal Web UI",
}
IDENTITY = f"http://{HOST}:8001"
MAIL = f"http://{HOST}:8025"
# Component -> URL answering when it is up; the worker is detected by a delivered email instead.
HTTP_CHECKS = {
    "web": f"http://{HOST}:8000/healthz",
    "identity": f"{IDENTITY}/readyz",
    "subscriptions": f"http://{HOST}:8002/readyz",
    "payments": f"http://{HOST}:8003/readyz",
    "mail": f"{MAIL}/healthz",
    "temporal_ui": f"http://{HOST}:8233/",
}
COMPONENTS = [*HTTP_CHECKS, "worker"]
PROCFILE_NAMES = ["temporal", "mail", "identity", "subscriptions", "payments", "worker", "web"]
# Which Procfile entry a process of the tree belongs to, from its command line.
PROCESS_KEYWORDS = [
    ("temporal", ("temporal_dev", "start-dev")),
    ("mail", ("mailcatcher",)),
    ("identity", ("services.identity",)),
    ("subscriptions", ("services.subscriptions",)),
    ("payments", ("services.payments",)),
    ("worker", ("workflows.worker",)),
    ("web", ("web.main",)),
]
PASSWORD = "Bench-passphrase-7f3k"
LINK_TOKEN = re.compile(r"/verification\?token=([^\s\"'<>&]+)")
POLL_SECONDS = 0.01  # the mail poller's period: the resolution of the email latencies


class BenchError(Exception):
    """A step that the rest of the run cannot do without."""


# --------------------------------------------------------------------------- small helpers


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values_s: list[float]) -> dict[str, Any]:
    """Count, p50, p99, max and mean of durations given in seconds, in milliseconds."""

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "count": len(values_s),
        "p50_ms": ms(percentile(values_s, 50)),
        "p99_ms": ms(percentile(values_s, 99)),
        "max_ms": ms(max(values_s) if values_s else None),
        "mean_ms": ms(statistics.fmean(values_s) if values_s else None),
    }


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


def executable(name: str) -> str:
    """The project venv's executable, or the one next to this interpreter."""
    candidate = VENV_BIN / name
    return str(candidate if candidate.exists() else Path(sys.executable).parent / name)


def stack_env(data: Path) -> dict[str, str]:
    """The environment that sends every database, key, mail and Temporal file into `data`."""
    env = dict(os.environ)
    env.update(
        IDENTITY_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'identity.db'}",
        SUBSCRIPTIONS_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'subscriptions.db'}",
        PAYMENTS_DATABASE_URL=f"sqlite+aiosqlite:///{data / 'payments.db'}",
        IDENTITY_SIGNING_KEY_PATH=str(data / "identity" / "signing-key.pem"),
        MAILCATCHER_STORE_DIR=str(data / "mail"),
        PLATFORM_DATA_DIR=str(data),  # deploy/embedded/temporal_dev.py puts temporal.db here
        PYTHONUNBUFFERED="1",
    )
    return env


def web_preflight(env: dict[str, str]) -> str | None:
    """None when the web app builds; otherwise why (honcho would stop everything if it died)."""
    code = "from web.main import create_app; create_app()"
    try:
        done = subprocess.run(
            [executable("python"), "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "building web.main:create_app() took more than 60 s"
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def classify(proc: psutil.Process) -> str:
    """The Procfile entry a process belongs to (honcho itself otherwise)."""
    try:
        cmdline = " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    for name, keywords in PROCESS_KEYWORDS:
        if any(k in cmdline for k in keywords):
            return name
    return "honcho"


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


@dataclass
class Arrival:
    """When a message for one recipient became visible in the catcher's API."""

    seen: float  # time.monotonic() of the poll that first listed it
    message_id: str
    created: str  # the catcher's own timestamp (wall clock, ms)


@dataclass
class Mailbox:
    """One poller for the whole run: recipient -> first arrival, instead of a poller per email.

    It polls the cheap `/api/v1/info` message count and only lists the newest messages when
    the count grew, so polling fast does not load the catcher being measured.
    """

    http: httpx.AsyncClient
    arrivals: dict[str, Arrival] = field(default_factory=dict)
    known: int = 0
    polls: int = 0
    errors: int = 0
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        seen_ids: set[str] = set()
        while True:
            try:
                await self._poll(seen_ids)
            except (httpx.HTTPError, ValueError, KeyError):
                self.errors += 1
            await asyncio.sleep(POLL_SECONDS)

    async def _poll(self, seen_ids: set[str]) -> None:
        self.polls += 1
        info = (await self.http.get(f"{MAIL}/api/v1/info")).json()
        total = int(info["Messages"])
        if total <= self.known:
            return
        now = time.monotonic()
        limit = total - self.known + 10
        page = await self.http.get(f"{MAIL}/api/v1/messages", params={"limit": limit})
        for message in page.json()["messages"]:
            if message["ID"] in seen_ids:
                continue
            seen_ids.add(message["ID"])
            for to in message["To"]:
                address = to["Address"].lower()
                if address not in self.arrivals:
                    self.arrivals[address] = Arrival(now, message["ID"], message["Created"])
        self.known = len(seen_ids)
        self._changed.set()

    async def wait_for(self, addresses: set[str], deadline: float) -> set[str]:
        """Wait until every address has mail or the deadline passes; return those still missing."""
        while True:
            missing = {a for a in addresses if a not in self.arrivals}
            remaining = deadline - time.monotonic()
            if not missing or remaining <= 0:
                return missing
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 1.0))


# --------------------------------------------------------------------------- the measurements


async def signup(http: httpx.AsyncClient, email: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
    return await http.post(f"{IDENTITY}/v1/accounts", json={**body, "language": "fr"})


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


async def run_pool(count: int, concurrency: int, job: Callable[[int], Awaitable[None]]) -> float:
    """Run job(0..count-1) on `concurrency` workers; return the wall time in seconds."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker() -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await job(i)

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.monotonic() - started


async def measure_signups(
    http: httpx.AsyncClient,
    mailbox: Mailbox,
    run_id: str,
    count: int,
    concurrency: int,
    wait_s: float,
) -> tuple[dict[str, Any], list[str]]:
    """N signups at C concurrent; request -> verification email visible in the catcher."""
    emails = [f"bench-{run_id}-{i:04d}@example.org" for i in range(count)]
    sent_at: dict[str, float] = {}
    response_s: list[float] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []

    async def one(i: int) -> None:
        email = emails[i]
        started = time.monotonic()
        try:
            response = await signup(http, email)
            key = str(response.status_code)
        except httpx.HTTPError as exc:
            key = type(exc).__name__
            response = None
            errors.append(f"{email} after {time.monotonic() - started:.2f} s: {exc!r}")
        statuses[key] = statuses.get(key, 0) + 1
        if response is not None and response.status_code == 202:
            sent_at[email] = started
            response_s.append(time.monotonic() - started)

    wall = await run_pool(count, concurrency, one)
    missing = await mailbox.wait_for(set(sent_at), time.monotonic() + wait_s)
    delivered = [e for e in emails if e in sent_at and e in mailbox.arrivals]
    email_s = [mailbox.arrivals[e].seen - sent_at[e] for e in delivered]
    last = max((mailbox.arrivals[e].seen for e in delivered), default=None)
    first = min(sent_at.values(), default=None)
    result = {
        "requests": count,
        "concurrency": concurrency,
        "statuses": statuses,
        "requests_wall_s": round(wall, 2),
        "requests_per_s": round(count / wall, 1) if wall else None,
        "response": summary_ms(response_s),
        "request_to_email_visible": summary_ms(email_s),
        "emails_delivered": len(delivered),
        "emails_missing": len(missing),
        "all_emails_within_s": round(last - first, 2) if last and first else None,
        "poll_period_ms": POLL_SECONDS * 1000,
        "transport_errors": errors[:10],
    }
    return result, delivered


async def verify(http: httpx.AsyncClient, mailbox: Mailbox, emails: list[str]) -> list[str]:
    """Follow the verification link of each account's email; return the verified addresses."""
    verified = []
    for email in emails:
        message = await http.get(f"{MAIL}/api/v1/message/{mailbox.arrivals[email].message_id}")
        found = LINK_TOKEN.search(message.json().get("Text", ""))
        if not found:
            continue
        token = unquote(found.group(1))
        response = await http.post(f"{IDENTITY}/v1/accounts/verification", json={"token": token})
        if response.status_code == 200:
            verified.append(email)
    return verified


async def measure_logins(
    http: httpx.AsyncClient, accounts: list[str], total: int
) -> dict[str, Any]:
    """`total` logins, one concurrent user per verified account."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def one(i: int) -> None:
        email = accounts[i % len(accounts)]
        started = time.monotonic()
        try:
            response = await http.post(
                f"{IDENTITY}/v1/sessions", json={"email": email, "password": PASSWORD}
            )
            key = str(response.status_code)
        except httpx.HTTPError as exc:
            key = type(exc).__name__
        statuses[key] = statuses.get(key, 0) + 1
        if key == "200":
            latencies.append(time.monotonic() - started)

    wall = await run_pool(total, len(accounts), one)
    return {
        "logins": total,
        "concurrent_users": len(accounts),
        "statuses": statuses,
        "wall_s": round(wall, 2),
        "logins_per_s": round(total / wall, 1) if wall else None,
        "latency": summary_ms(latencies),
    }


def argon2_figures() -> dict[str, Any]:
    """The identity service's argon2id parameters, and one hash's cost in this process."""
    from argon2 import PasswordHasher

    from services.identity.config import IdentitySettings

    s = IdentitySettings()
    hasher = PasswordHasher(
        time_cost=s.argon2_time_cost,
        memory_cost=s.argon2_memory_kib,
        parallelism=s.argon2_parallelism,
    )
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        hasher.hash(PASSWORD)
        runs.append(time.perf_counter() - started)
    return {
        "variant": "argon2id",
        "time_cost": s.argon2_time_cost,
        "memory_kib": s.argon2_memory_kib,
        "parallelism": s.argon2_parallelism,
        "one_hash_ms_median": round(statistics.median(runs) * 1000, 1),
    }


async def measure(
    args: argparse.Namespace,
    honcho: subprocess.Popen[bytes],
    launched: float,
    expected: list[str],
    results: dict[str, Any],
) -> None:
    run_id = uuid.uuid4().hex[:8]
    probe = f"bench-{run_id}-probe@example.org"
    # Idle connections are dropped before uvicorn's 5 s keep-alive closes them, so no request
    # races a closing connection (that would be a client artefact, not a figure of the stack).
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as http:
        mailbox = Mailbox(http)
        try:
            deadline = launched + args.startup_timeout
            ready = await wait_for_startup(
                http, mailbox, honcho, launched, expected, probe, deadline
            )
            results["startup"] = {
                "seconds_to_ready": {
                    k: None if v is None else round(v, 2) for k, v in ready.items()
                },
                "all_green_s": (
                    round(max(v for v in ready.values() if v is not None), 2)
                    if all(v is not None for v in ready.values())
                    else None
                ),
            }
            needed = ("identity", "mail", "worker")
            if any(ready.get(n) is None for n in needed):
                down = [n for n in needed if ready.get(n) is None]
                raise BenchError(f"not ready within {args.startup_timeout} s: {', '.join(down)}")

            await asyncio.sleep(args.idle)
            results["memory_at_rest"] = tree_memory(honcho.pid)
            results["memory_at_rest"]["idle_s"] = args.idle

            signups, delivered = await measure_signups(
                http, mailbox, run_id, args.signups, args.signup_concurrency, args.email_timeout
            )
            results["signups"] = signups

            accounts = await verify(http, mailbox, delivered[: args.login_users])
            if not accounts:
                raise BenchError("no account could be verified through its email link")
            results["logins"] = await measure_logins(http, accounts, args.logins)
            results["logins"]["accounts_verified_via_link"] = len(accounts)
            results["memory_after_load"] = tree_memory(honcho.pid)
            results["mail_poller"] = {"polls": mailbox.polls, "errors": mailbox.errors}
        finally:
            await mailbox.stop()


# --------------------------------------------------------------------------- start and stop


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [executable("python"), "-m", "servicekit.migrate", "identity", "subscriptions", "payments"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"migrations failed:\n{done.stderr or done.stdout}")


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


def run(args: argparse.Namespace) -> dict[str, Any]:
    busy = busy_ports()
    if busy:
        raise SystemExit(
            "bench: these ports must be free (is `make run` or another stack running?): "
            + ", ".join(busy)
        )
    results: dict[str, Any] = {
        "bench": "accounts",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "parameters": vars(args),
    }
    data = Path(tempfile.mkdtemp(prefix="bench-accounts-"))
    log_path = data / "honcho.log"
    honcho: subprocess.Popen[bytes] | None = None
    started: list[psutil.Process] = []
    try:
        env = stack_env(data)
        migrate(env)
        expected = list(COMPONENTS)
        names = list(PROCFILE_NAMES)
        web_problem = web_preflight(env)
        if web_problem:
            expected.remove("web")
            names.remove("web")
            results["web_not_ready"] = web_problem
        (data / "empty.env").write_text("")  # so a developer's .env cannot redirect the stack
        command = [executable("honcho"), "start", "-f", "Procfile", "-e", str(data / "empty.env")]
        if web_problem:
            command += names
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
        asyncio.run(_measure_and_snapshot(args, honcho, launched, expected, results, started))
    except BenchError as exc:
        results["error"] = str(exc)
    finally:
        if honcho is not None:
            started.extend(p for p in tree(honcho.pid) if p not in started)
            results["shutdown"] = stop(honcho, started)
        if log_path.exists():
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_path, RESULTS / "accounts-honcho.log")
        shutil.rmtree(data, ignore_errors=True)
    results["argon2"] = argon2_figures()
    return results


async def _measure_and_snapshot(
    args: argparse.Namespace,
    honcho: subprocess.Popen[bytes],
    launched: float,
    expected: list[str],
    results: dict[str, Any],
    started: list[psutil.Process],
) -> None:
    try:
        await measure(args, honcho, launched, expected, results)
    finally:
        started.extend(tree(honcho.pid))  # remembered for the shutdown, while they still live


# --------------------------------------------------------------------------- report


def fmt(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def report(results: dict[str, Any]) -> str:
    lines = ["", "Accounts bench (embedded stack, loopback)", "=" * 60]
    machine = results["machine"]
    lines.append(
        f"machine: {machine['cpus']} CPUs, {machine['memory_gib']} GiB, Python {machine['python']}"
    )
    startup = results.get("startup")
    if startup:
        lines.append("")
        lines.append("Startup: launch -> component answering")
        for name, seconds in startup["seconds_to_ready"].items():
            lines.append(f"  {name:<15}{fmt(seconds, ' s'):>12}")
        if "web_not_ready" in results:
            lines.append(f"  {'web':<15}{'NOT READY':>12}  ({results['web_not_ready']})")
        lines.append(
            f"  {'all green':<15}{fmt(startup['all_green_s'], ' s'):>12}"
            "   (worker: first verification email delivered)"
        )
    for key, title in (
        ("memory_at_rest", "Memory at rest"),
        ("memory_after_load", "Memory after the load"),
    ):
        mem = results.get(key)
        if not mem:
            continue
        lines.append("")
        extra = f" after {mem['idle_s']} s idle" if "idle_s" in mem else ""
        lines.append(
            f"{title}{extra}: RSS {mem['rss_mib']} MiB, PSS {mem['pss_mib']} MiB "
            f"({mem['processes']} processes)"
        )
        if key == "memory_at_rest":
            for name, entry in mem["by_component"].items():
                lines.append(
                    f"  {name:<15}{entry['rss_mib']:>8} MiB RSS"
                    f"{entry['pss_mib']:>8} MiB PSS  ({entry['processes']} proc)"
                )
    signups = results.get("signups")
    if signups:
        lines.append("")
        lines.append(
            f"Signups: {signups['requests']} at {signups['concurrency']} concurrent, "
            f"statuses {signups['statuses']}, {signups['requests_per_s']} req/s"
        )
        r, e = signups["response"], signups["request_to_email_visible"]
        lines.append(f"  {'':<26}{'p50':>9}{'p99':>9}{'max':>9}")
        lines.append(
            f"  {'202 response':<26}{fmt(r['p50_ms']):>9}{fmt(r['p99_ms']):>9}"
            f"{fmt(r['max_ms']):>9}  ms"
        )
        lines.append(
            f"  {'request -> email visible':<26}{fmt(e['p50_ms']):>9}"
            f"{fmt(e['p99_ms']):>9}{fmt(e['max_ms']):>9}  ms"
        )
        lines.append(
            f"  emails delivered {signups['emails_delivered']}, missing "
            f"{signups['emails_missing']}; all in {fmt(signups['all_emails_within_s'])} s "
            f"(poll period {signups['poll_period_ms']} ms)"
        )
    logins = results.get("logins")
    if logins:
        lat = logins["latency"]
        lines.append("")
        lines.append(
            f"Logins: {logins['logins']} by {logins['concurrent_users']} concurrent users "
            f"(verified via their links), statuses {logins['statuses']}, "
            f"{logins['logins_per_s']} logins/s"
        )
        lines.append(
            f"  latency p50 {fmt(lat['p50_ms'])} ms, p99 {fmt(lat['p99_ms'])} ms, "
            f"max {fmt(lat['max_ms'])} ms"
        )
    a = results.get("argon2")
    if a:
        lines.append(
            f"  {a['variant']}: t={a['time_cost']}, m={a['memory_kib']} KiB, "
            f"p={a['parallelism']} (one hash here: {a['one_hash_ms_median']} ms)"
        )
    if "error" in results:
        lines.append("")
        lines.append(f"ERROR: {results['error']} (see bench/results/accounts-honcho.log)")
    lines.append("")
    lines.append(f"stack stopped: {results.get('shutdown', '-')}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=200)
    parser.add_argument("--signup-concurrency", type=int, default=10)
    parser.add_argument("--login-users", type=int, default=20)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds at rest before RSS")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--email-timeout", type=float, default=120.0)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    results = run(parse_args(argv))
    print(report(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "accounts.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {out.relative_to(ROOT)}")
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
