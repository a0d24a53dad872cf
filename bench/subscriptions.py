"""Figures of the subscriptions issue, measured on the embedded stack (printed, never asserted).

    .venv/bin/python bench/subscriptions.py

What it does, on loopback only (the stack's start and stop are `bench/stack.py`'s, as for
`bench/accounts.py`):

1. Checks that the fixed ports are free, migrates a fresh temporary data folder, seeds the
   catalog, creates an operator with the identity CLI and starts `honcho start -f Procfile`.
2. Opens accounts through the real journey (sign up, follow the emailed link from the mail
   catcher, log in, fill the profile, add vehicles); the operator creates DAS offerings with
   room enough for the bench through the catalog API.
3. Plate check: a few users subscribe to the seed's DAS offering of the licence-plate site, the
   operator approves them through the decision endpoint; then `GET /v1/plate-check` (service
   token) at 50 concurrent for a bounded time, side by side with a bare FastAPI endpoint returning
   a constant (defined here, `bare_app`, served by the same uvicorn with the same settings: one
   worker, `--log-level warning`, on a free port). The load generator is `wrk` (C; `wrk -t1 -c50
   -d10s --latency`, after a discarded warm-up run), which leaves the 2 CPUs to the servers; when
   wrk is not installed, a raw asyncio HTTP/1.1 generator (50 keep-alive connections) stands in,
   and the report says which ran (`--generator all` runs wrk, raw asyncio and httpx side by side).
   `--only plate` or `--only lifecycle` measures one part.
4. Lifecycle: N requests (`POST /v1/subscriptions` by the users), each approved by the operator
   (`POST /v1/operator/subscriptions/{id}/decision`), polled until `active` with its contract
   issued; C in flight. Side by side with N minimal workflows (one no-op activity each, defined
   here) run by an in-process Worker on its own task queue of the same Temporal dev server, C in
   flight.
5. Stops the stack, removes the folder, prints a table and writes
   `bench/results/subscriptions.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from stack import (
    HOST,
    IDENTITY,
    PASSWORD,
    RESULTS,
    ROOT,
    BenchError,
    Mailbox,
    Running,
    embedded_stack,
    executable,
    fmt,
    machine,
    percentile,
    require_free_ports,
    run_pool,
    signup,
    summary_ms,
    verify,
    wait_for_startup,
)
from temporalio import activity, workflow
from temporalio.worker import Worker

BENCH_DIR = Path(__file__).resolve().parent
SUBSCRIPTIONS = f"http://{HOST}:8002"
PLATE_SITE, PLATE_DAS = 1535, 7201  # the seed's licence-plate site and its DAS offering
BENCH_SITE, BENCH_CATEGORY = 1534, 101  # where the bench's own DAS offerings are created
BENCH_OFFERING_IDS = 990_001  # first id of the bench's offerings
OPERATOR_EMAIL = "bench-operator@example.org"
PROFILE = {
    "gender": "female",
    "first_name": "Léa",
    "last_name": "Tremblay",
    "address_line1": "116 boul. Lionel-Émond",
    "apartment": "4",
    "city": "Gatineau",
    "province": "qc",
    "postal_code": "j8y1w7",
    "mobile_phone": "(819) 555-0142",
    "language": "fr",
}
MONTREAL = "America/Montreal"
RETRIES = 4  # setup calls (not measured) retried on a transport error or a 5xx


# --------------------------------------------------------------------------- the bare endpoint


def bare_app() -> FastAPI:
    """The reference: FastAPI answering a constant (served by `uvicorn --factory`)."""
    app = FastAPI()
    answer = {
        "authorized": True,
        "site_id": PLATE_SITE,
        "plate": "ABC123",
        "subscription_end": None,
    }

    @app.get("/constant")
    async def constant() -> dict[str, Any]:
        return answer

    return app


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_bare(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """The same uvicorn, with the same flags as the Procfile's services, in its own group."""
    command = [
        executable("uvicorn"),
        "--factory",
        "subscriptions:bare_app",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_bare(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGINT, 10), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # the group of the process we started, alone in it
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)


# --------------------------------------------------------------------------- load generators


@dataclass
class Load:
    """Requests that started and finished inside the measured window."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, key: str) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1


async def drive(
    concurrency: int,
    warmup: float,
    duration: float,
    one: Callable[[int], Awaitable[str]],
    reset: Callable[[int], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """`concurrency` loops calling one(worker) back to back for warmup + duration seconds.

    one() answers the status ("200", ...); only requests both started and finished inside the
    measured window count. reset(worker) runs after a failed request (a raw connection reopens).
    """
    load = Load()
    start = time.perf_counter()
    window_start = start + warmup
    window_end = window_start + duration

    async def loop(worker: int) -> None:
        while True:
            began = time.perf_counter()
            if began >= window_end:
                return
            try:
                async with asyncio.timeout(10):
                    key = await one(worker)
            except (OSError, httpx.HTTPError, asyncio.IncompleteReadError, TimeoutError) as exc:
                key = type(exc).__name__
                if reset is not None:
                    with contextlib.suppress(OSError, TimeoutError):
                        async with asyncio.timeout(5):
                            await reset(worker)
            ended = time.perf_counter()
            if began >= window_start and ended <= window_end:
                load.count(key)
                if key == "200":
                    load.latencies.append(ended - began)
                else:
                    load.errors += 1

    await asyncio.gather(*(loop(w) for w in range(concurrency)))
    ok = len(load.latencies)
    return {
        "requests_ok": ok,
        "errors": load.errors,
        "statuses": load.statuses,
        "window_s": duration,
        "requests_per_s": round(ok / duration, 1),
        "latency": summary_ms(load.latencies),
        "p999_ms": round((percentile(load.latencies, 99.9) or 0) * 1000, 2),
    }


async def load_httpx(
    port: int, paths: list[str], headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """httpx.AsyncClient, a pool of `concurrency` keep-alive connections."""
    c = args.concurrency
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c, keepalive_expiry=30)
    base = f"http://{HOST}:{port}"
    async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers) as http:

        async def one(worker: int) -> str:
            response = await http.get(paths[worker % len(paths)])
            return str(response.status_code)

        return await drive(c, args.warmup, args.duration, one)


async def load_raw(
    port: int, paths: list[str], headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """Raw asyncio HTTP/1.1: one keep-alive connection per concurrent loop, Content-Length read."""
    c = args.concurrency
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    requests = [
        f"GET {p} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{extra}\r\n".encode("ascii") for p in paths
    ]
    conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def reset(worker: int) -> None:
        with contextlib.suppress(OSError):
            conns[worker][1].close()
        conns[worker] = await asyncio.open_connection(HOST, port)

    async def one(worker: int) -> str:
        reader, writer = conns[worker]
        writer.write(requests[worker % len(requests)])
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return head[9:12].decode("ascii")

    for _ in range(c):
        conns.append(await asyncio.open_connection(HOST, port))
    try:
        return await drive(c, args.warmup, args.duration, one, reset)
    finally:
        for _, writer in conns:
            writer.close()
        for _, writer in conns:
            with contextlib.suppress(OSError):
                await writer.wait_closed()


# wrk's Lua hooks: rotate through the paths (the -H headers go with wrk.format), and print the
# exact percentiles and error counts as one JSON line once the run is over.
WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,'
    .. '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d,"p999_us":%%d,"max_us":%%d,'
    .. '"mean_us":%%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    latency.mean))
end
"""
WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk_ms(text: str) -> float:
    """wrk's `4.90ms`, `812.00us`, `1.02s` in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise BenchError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * WRK_UNITS[match.group(2)]


def parse_wrk(output: str, window: float) -> dict[str, Any]:
    """Requests/s and the latency distribution's 50% and 99% lines of wrk's report, with the
    exact figures (p99.9, errors) of the Lua `done` hook."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    extra = re.search(r"^WRK_JSON (\{.*\})$", output, re.M)
    if not (rate and p50 and p99 and extra):
        raise BenchError(f"could not read wrk's report:\n{output}")
    hook = json.loads(extra.group(1))
    socket_errors = hook["connect"] + hook["read"] + hook["write"] + hook["timeout"]
    errors = hook["status"] + socket_errors
    statuses = {"2xx/3xx": hook["requests"] - hook["status"]}
    if hook["status"]:
        statuses["non-2xx/3xx"] = hook["status"]
    for kind in ("connect", "read", "write", "timeout"):
        if hook[kind]:
            statuses[f"socket {kind}"] = hook[kind]
    seconds = hook["duration_us"] / 1e6
    ok = hook["requests"] - hook["status"]
    return {
        "requests_ok": ok,
        "errors": errors,
        "statuses": statuses,
        "window_s": round(seconds, 2) if seconds else window,
        # wrk's own figure counts every completed request; ok/s is the same unless errors
        "requests_per_s": round(float(rate.group(1)), 1),
        "ok_per_s": round(ok / seconds, 1) if seconds else None,
        "latency": {
            "count": hook["requests"],
            "p50_ms": round(wrk_ms(p50.group(1)), 2),
            "p99_ms": round(wrk_ms(p99.group(1)), 2),
            "max_ms": round(hook["max_us"] / 1000, 1),
            "mean_ms": round(hook["mean_us"] / 1000, 2),
        },
        "p999_ms": round(hook["p999_us"] / 1000, 2),
    }


async def load_wrk(
    port: int, paths: list[str], headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """wrk (C, epoll): `wrk -t1 -c<concurrency> -d<duration>s --latency -H ... URL`, after a
    discarded warm-up run of the same shape; the paths rotate through a Lua `request` hook."""
    wrk = shutil.which("wrk")
    assert wrk is not None
    quoted = ", ".join(json.dumps(p) for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % quoted)
    try:
        outputs = []
        for seconds in (max(1, round(args.warmup)), max(1, round(args.duration))):
            command = [
                wrk,
                "-t1",
                f"-c{args.concurrency}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.name,
            ]
            for name, value in headers.items():
                command += ["-H", f"{name}: {value}"]
            command.append(f"http://{HOST}:{port}{paths[0]}")
            proc = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            out, _ = await proc.communicate()
            if proc.returncode != 0:
                raise BenchError(f"wrk exited with {proc.returncode}:\n{out.decode()}")
            outputs.append(out.decode())
    finally:
        os.unlink(script.name)
    result = parse_wrk(outputs[-1], args.duration)
    result["command"] = (
        f"wrk -t1 -c{args.concurrency} -d{max(1, round(args.duration))}s --latency --timeout 10s"
        f" -H 'X-Service-Token: ...' -s <rotating {len(paths)} path(s)> URL"
    )
    return result


GENERATORS = {"wrk": load_wrk, "raw-asyncio": load_raw, "httpx": load_httpx}


def generators(choice: str) -> list[str]:
    """`auto`: wrk when installed, else the raw asyncio generator; `all`: every one available;
    or a comma-separated list."""
    have_wrk = shutil.which("wrk") is not None
    if choice == "auto":
        return ["wrk"] if have_wrk else ["raw-asyncio"]
    names = list(GENERATORS) if choice == "all" else [c.strip() for c in choice.split(",")]
    unknown = [n for n in names if n not in GENERATORS]
    if unknown:
        raise SystemExit(f"bench: unknown generator(s) {unknown}; known: {list(GENERATORS)}")
    if "wrk" in names and not have_wrk:
        if choice != "all":
            raise SystemExit("bench: wrk is not installed (apt-get install wrk)")
        names.remove("wrk")
    return names


# --------------------------------------------------------------------------- setup calls


async def call(
    http: httpx.AsyncClient, method: str, url: str, expect: int, **kwargs: Any
) -> httpx.Response:
    """A setup call (not measured): retried on transport errors and 5xx, BenchError otherwise."""
    problem = ""
    for attempt in range(RETRIES):
        try:
            response = await http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            problem = repr(exc)
        else:
            if response.status_code == expect:
                return response
            problem = f"{response.status_code} {response.text[:300]}"
            if response.status_code < 500:
                break
        await asyncio.sleep(0.2 * (attempt + 1))
    raise BenchError(f"{method} {url}: expected {expect}, got {problem}")


@dataclass
class User:
    email: str
    id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    vehicles: list[dict[str, Any]] = field(default_factory=list)


async def log_in(http: httpx.AsyncClient, user: User) -> None:
    body = {"email": user.email, "password": PASSWORD}
    tokens = (await call(http, "POST", f"{IDENTITY}/v1/sessions", 200, json=body)).json()
    user.id = tokens["account"]["id"]
    user.headers = {"Authorization": f"Bearer {tokens['access_token']}"}


async def open_accounts(
    http: httpx.AsyncClient,
    mailbox: Mailbox,
    emails: list[str],
    vehicles_each: int,
    concurrency: int,
) -> list[User]:
    """Sign up, follow the emailed link, log in, fill the profile, add vehicles."""
    users = [User(email) for email in emails]

    async def one(i: int) -> None:
        user = users[i]
        for attempt in range(RETRIES):
            with contextlib.suppress(httpx.TransportError):
                if (await signup(http, user.email)).status_code == 202:
                    break
            await asyncio.sleep(0.2 * (attempt + 1))
        missing = await mailbox.wait_for({user.email}, time.monotonic() + 90)
        if missing:
            raise BenchError(f"no verification email for {user.email}")
        if not await verify(http, mailbox, [user.email]):
            raise BenchError(f"{user.email} could not be verified through its link")
        await log_in(http, user)
        await call(
            http, "PUT", f"{IDENTITY}/v1/me/profile", 200, headers=user.headers, json=PROFILE
        )
        for _ in range(vehicles_each):
            body = {
                "year": 2021,
                "make": "Toyota",
                "model": "Corolla",
                "color": "Gris",
                "plate": f"B{uuid.uuid4().hex[:6].upper()}",
            }
            url = f"{SUBSCRIPTIONS}/v1/vehicles"
            vehicle = await call(http, "POST", url, 201, headers=user.headers, json=body)
            user.vehicles.append(vehicle.json())

    await run_pool(len(users), concurrency, one)
    return users


def request_body(offering_id: int, vehicle_ids: list[str], start: str) -> dict[str, Any]:
    return {
        "offering_id": offering_id,
        "requested_start": start,
        "accept_terms": True,
        "understand_approval": True,
        "vehicle_ids": vehicle_ids,
        "employee_number": "E-48213",
    }


def montreal_today() -> str:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(MONTREAL)).date().isoformat()


async def create_offerings(
    http: httpx.AsyncClient, operator: User, count: int, capacity: int
) -> list[int]:
    """DAS offerings with room for the bench, through the operator catalog API."""
    ids = []
    for n in range(count):
        offering_id = BENCH_OFFERING_IDS + n
        body = {
            "id": offering_id,
            "site_id": BENCH_SITE,
            "category_id": BENCH_CATEGORY,
            "code": "1461",
            "name": f"Hôpital de Hull - Banc d'essai {n + 1}",
            "description_fr": "Abonnement mensuel en tout temps",
            "description_en": "Monthly subscription, any time",
            "monthly_price_cents": 6500,
            "billing_mode": "payroll",
            "notice_days": 30,
            "capacity": capacity,
            "visibility": "public",
        }
        url = f"{SUBSCRIPTIONS}/v1/operator/offerings"
        await call(http, "POST", url, 201, headers=operator.headers, json=body)
        ids.append(offering_id)
    return ids


# --------------------------------------------------------------------------- plate check


async def plate_subscriptions(
    http: httpx.AsyncClient, operator: User, users: list[User], service: dict[str, str]
) -> list[str]:
    """Each user subscribes all their vehicles to the plate site's DAS offering from today; the
    operator approves; returns the plates the plate check authorises."""
    plates: list[str] = []
    for user in users:
        body = request_body(PLATE_DAS, [v["id"] for v in user.vehicles], montreal_today())
        url = f"{SUBSCRIPTIONS}/v1/subscriptions"
        sub = (await call(http, "POST", url, 201, headers=user.headers, json=body)).json()
        decision = f"{SUBSCRIPTIONS}/v1/operator/subscriptions/{sub['id']}/decision"
        approved = await call(
            http, "POST", decision, 200, headers=operator.headers, json={"decision": "approve"}
        )
        if approved.json()["status"] != "active":
            raise BenchError(f"plate subscription not active: {approved.json()['status']}")
        plates.extend(v["plate"] for v in user.vehicles)
    for plate in plates:
        check = await call(
            http,
            "GET",
            f"{SUBSCRIPTIONS}/v1/plate-check",
            200,
            headers=service,
            params={"site_id": PLATE_SITE, "plate": plate},
        )
        if not check.json()["authorized"]:
            raise BenchError(f"plate {plate} is not authorised after approval: {check.text}")
    return plates


async def measure_plate_check(
    args: argparse.Namespace, env: dict[str, str], plates: list[str], service: dict[str, str]
) -> dict[str, Any]:
    port = free_port()
    bare = start_bare(env, port)
    try:
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"http://{HOST}:{port}/constant")).status_code == 200:
                        break
                if bare.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("the bare uvicorn endpoint did not start")
                await asyncio.sleep(0.1)
        targets = {
            "plate_check": (
                8002,
                [f"/v1/plate-check?site_id={PLATE_SITE}&plate={p}" for p in plates],
            ),
            "bare_fastapi": (port, ["/constant"]),
        }
        runs: dict[str, dict[str, Any]] = {}
        used = generators(args.generator)
        for generator in used:
            for target, (target_port, paths) in targets.items():
                load = GENERATORS[generator]
                runs[f"{generator}/{target}"] = await load(target_port, paths, service, args)
                await asyncio.sleep(1)  # let both servers settle between runs
    finally:
        stop_bare(bare)
    # wrk when it ran (C, leaves the CPUs to the servers); otherwise the generator that drives
    # the bare endpoint faster, i.e. the lesser bottleneck.
    best = (
        "wrk"
        if "wrk" in used
        else max(used, key=lambda g: runs[f"{g}/bare_fastapi"]["requests_per_s"])
    )
    plate, ref = runs[f"{best}/plate_check"], runs[f"{best}/bare_fastapi"]
    return {
        "concurrency": args.concurrency,
        "warmup_s": args.warmup,
        "window_s": args.duration,
        "plates": len(plates),
        "uvicorn": "1 worker, --log-level warning (h11, asyncio loop), same binary for both",
        "generators": used,
        "runs": runs,
        "headline_generator": best,
        "throughput_ratio": round(plate["requests_per_s"] / ref["requests_per_s"], 3)
        if ref["requests_per_s"]
        else None,
        "target": "p99 < 10 ms and >= 70% of the bare endpoint's requests/s",
    }


# --------------------------------------------------------------------------- lifecycle


async def measure_lifecycle(
    http: httpx.AsyncClient,
    operator: User,
    users: list[User],
    offerings: list[int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Request -> operator approval -> active with its contract, `in_flight` at a time."""
    n, start = args.subscriptions, montreal_today()
    submit_s: list[float] = []
    decide_s: list[float] = []
    until_contract_s: list[float] = []
    total_s: list[float] = []
    statuses: dict[str, dict[str, int]] = {"submit": {}, "decision": {}, "final": {}}
    done_at: list[float] = []

    def note(step: str, key: str) -> None:
        statuses[step][key] = statuses[step].get(key, 0) + 1

    async def one(i: int) -> None:
        user = users[i % len(users)]
        offering = offerings[i // len(users)]
        body = request_body(offering, [user.vehicles[0]["id"]], start)
        t0 = time.monotonic()
        try:
            response = await http.post(
                f"{SUBSCRIPTIONS}/v1/subscriptions", headers=user.headers, json=body
            )
        except httpx.HTTPError as exc:
            note("submit", type(exc).__name__)
            return
        note("submit", str(response.status_code))
        if response.status_code != 201:
            return
        sub_id = response.json()["id"]
        t1 = time.monotonic()
        try:
            decided = await http.post(
                f"{SUBSCRIPTIONS}/v1/operator/subscriptions/{sub_id}/decision",
                headers=operator.headers,
                json={"decision": "approve"},
            )
        except httpx.HTTPError as exc:
            note("decision", type(exc).__name__)
            return
        note("decision", str(decided.status_code))
        if decided.status_code != 200:
            return
        t2 = time.monotonic()
        deadline = t2 + args.active_timeout
        final = "timeout"
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                got = await http.get(
                    f"{SUBSCRIPTIONS}/v1/subscriptions/{sub_id}", headers=user.headers
                )
                if got.status_code == 200:
                    sub = got.json()
                    if sub["status"] == "active" and sub["has_contract"]:
                        final = "active_with_contract"
                        break
                    if sub["status"] not in ("pending_approval", "active"):
                        final = sub["status"]
                        break
            await asyncio.sleep(args.poll)
        note("final", final)
        if final != "active_with_contract":
            return
        t3 = time.monotonic()
        submit_s.append(t1 - t0)
        decide_s.append(t2 - t1)
        until_contract_s.append(t3 - t2)
        total_s.append(t3 - t0)
        done_at.append(t3)

    wall = await run_pool(n, args.in_flight, one)
    active = len(total_s)
    return {
        "subscriptions": n,
        "in_flight": args.in_flight,
        "users": len(users),
        "offerings": len(offerings),
        "statuses": statuses,
        "active_with_contract": active,
        "wall_s": round(wall, 2),
        "subscriptions_per_s": round(active / wall, 2) if wall else None,
        "submit_201": summary_ms(submit_s),
        "decision_200": summary_ms(decide_s),
        "decision_to_contract": summary_ms(until_contract_s),
        "request_to_active_with_contract": summary_ms(total_s),
        "poll_period_ms": args.poll * 1000,
    }


@activity.defn(name="bench_noop")
async def bench_noop(n: int) -> int:
    return n


@workflow.defn(name="BenchMinimalWorkflow", sandboxed=False)
class BenchMinimalWorkflow:
    @workflow.run
    async def run(self, n: int) -> int:
        return await workflow.execute_activity(
            bench_noop, n, start_to_close_timeout=timedelta(seconds=30)
        )


async def measure_minimal_workflows(args: argparse.Namespace) -> dict[str, Any]:
    """N one-activity workflows on the stack's Temporal server, `in_flight` at a time."""
    from servicekit.settings import PlatformSettings
    from servicekit.temporal import connect

    client = await connect(PlatformSettings(), wait_seconds=30)
    run_id = uuid.uuid4().hex[:8]
    queue = f"bench-minimal-{run_id}"
    latencies: list[float] = []
    failures: dict[str, int] = {}

    async def one(i: int) -> None:
        started = time.monotonic()
        try:
            await client.execute_workflow(
                BenchMinimalWorkflow.run,
                i,
                id=f"bench-minimal-{run_id}-{i}",
                task_queue=queue,
                execution_timeout=timedelta(seconds=args.active_timeout),
            )
        except Exception as exc:  # counted and reported, never fatal
            failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
            return
        latencies.append(time.monotonic() - started)

    worker = Worker(
        client, task_queue=queue, workflows=[BenchMinimalWorkflow], activities=[bench_noop]
    )
    async with worker:
        wall = await run_pool(args.subscriptions, args.in_flight, one)
    return {
        "workflows": args.subscriptions,
        "in_flight": args.in_flight,
        "completed": len(latencies),
        "failures": failures,
        "wall_s": round(wall, 2),
        "workflows_per_s": round(len(latencies) / wall, 2) if wall else None,
        "start_to_result": summary_ms(latencies),
        "worker": "in the bench process, own task queue, sandbox off, payload codec as the stack",
    }


# --------------------------------------------------------------------------- the run


def prepare(env: dict[str, str]) -> None:
    """After the migrations: the seed's catalog and an operator (the identity CLI)."""
    for command, extra in (
        (["-m", "services.subscriptions.seed"], {}),
        (
            ["-m", "services.identity.cli", "create-operator", OPERATOR_EMAIL],
            {"OPERATOR_PASSWORD": PASSWORD},
        ),
    ):
        done = subprocess.run(
            [executable("python"), *command],
            cwd=ROOT,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"{' '.join(command)} failed:\n{done.stderr or done.stdout}")


async def measure(args: argparse.Namespace, stack: Running, results: dict[str, Any]) -> None:
    from servicekit.settings import PlatformSettings

    service = {"X-Service-Token": PlatformSettings().service_token}
    run_id = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:
        mailbox = Mailbox(http)
        try:
            probe = f"bench-{run_id}-probe@example.org"
            deadline = stack.launched + args.startup_timeout
            ready = await wait_for_startup(
                http, mailbox, stack.honcho, stack.launched, stack.expected, probe, deadline
            )
            results["startup_s"] = {k: None if v is None else round(v, 2) for k, v in ready.items()}
            needed = ("identity", "subscriptions", "mail", "worker")
            down = [n for n in needed if ready.get(n) is None]
            if down:
                raise BenchError(f"not ready within {args.startup_timeout} s: {', '.join(down)}")

            setup_started = time.monotonic()
            plate, lifecycle = args.only in (None, "plate"), args.only in (None, "lifecycle")
            operator = User(OPERATOR_EMAIL)
            await log_in(http, operator)
            offerings: list[int] = []
            if lifecycle:
                offerings_needed = -(-args.subscriptions // args.users)
                offerings = await create_offerings(
                    http, operator, offerings_needed, capacity=args.subscriptions * 2
                )
            plate_users: list[User] = []
            if plate:
                plate_users = await open_accounts(
                    http,
                    mailbox,
                    [f"bench-{run_id}-plate-{i}@example.org" for i in range(args.plate_users)],
                    vehicles_each=2,
                    concurrency=args.plate_users,
                )
            users: list[User] = []
            if lifecycle:
                users = await open_accounts(
                    http,
                    mailbox,
                    [f"bench-{run_id}-{i:04d}@example.org" for i in range(args.users)],
                    vehicles_each=1,
                    concurrency=args.setup_concurrency,
                )
            plates = await plate_subscriptions(http, operator, plate_users, service)
            results["setup"] = {
                "seconds": round(time.monotonic() - setup_started, 1),
                "accounts_opened": len(plate_users) + len(users),
                "bench_offerings": offerings,
                "active_plate_subscriptions": len(plate_users),
                "authorised_plates": len(plates),
            }
        finally:
            await mailbox.stop()  # no poller competing for the CPUs during the measurements

        if plate:
            results["plate_check"] = await measure_plate_check(args, stack.env, plates, service)

        if lifecycle:
            await log_in(http, operator)  # fresh tokens (identity's last 10 minutes)
            await run_pool(len(users), 10, lambda i: log_in(http, users[i]))
            results["lifecycle"] = await measure_lifecycle(http, operator, users, offerings, args)
    if lifecycle:
        results["minimal_workflows"] = await measure_minimal_workflows(args)


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.users < 1 or args.subscriptions < 1:
        raise SystemExit("bench: --users and --subscriptions must be positive")
    generators(args.generator)  # an unknown or missing generator stops the run before the stack
    require_free_ports()
    results: dict[str, Any] = {
        "bench": "subscriptions",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": vars(args),
    }
    with embedded_stack(
        results, "bench-subscriptions-", "subscriptions-honcho.log", prepare
    ) as stack:
        stack.run(measure(args, stack, results))
    return results


# --------------------------------------------------------------------------- report


def load_row(name: str, r: dict[str, Any]) -> str:
    lat = r["latency"]
    return (
        f"  {name:<30}{r['requests_per_s']:>10}{fmt(lat['p50_ms']):>9}{fmt(lat['p99_ms']):>9}"
        f"{fmt(lat['max_ms']):>9}{r['errors']:>8}"
    )


def report(results: dict[str, Any]) -> str:
    lines = ["", "Subscriptions bench (embedded stack, loopback)", "=" * 72]
    m = results["machine"]
    lines.append(f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}")
    setup = results.get("setup")
    if setup:
        lines.append(
            f"setup: {setup['accounts_opened']} accounts opened via the emailed link, "
            f"{len(setup['bench_offerings'])} bench DAS offerings, "
            f"{setup['active_plate_subscriptions']} active subscriptions at plate site "
            f"#{PLATE_SITE} ({setup['authorised_plates']} plates), in {setup['seconds']} s"
        )
    pc = results.get("plate_check")
    if pc:
        lines.append("")
        lines.append(
            f"Plate check at {pc['concurrency']} concurrent, {pc['window_s']} s window "
            f"after {pc['warmup_s']} s warm-up (uvicorn {pc['uvicorn']})"
        )
        lines.append(
            f"  {'generator / endpoint':<30}{'req/s':>10}{'p50':>9}{'p99':>9}{'max':>9}"
            f"{'errors':>8}"
        )
        for name, r in pc["runs"].items():
            lines.append(load_row(name, r) + "  ms")
        best = pc["headline_generator"]
        runs = pc["runs"]
        used = pc.get("generators", [best])
        lines.append(
            "  load generator(s): "
            + ", ".join(
                f"{g} (bare endpoint {runs[f'{g}/bare_fastapi']['requests_per_s']} req/s)"
                for g in used
            )
            + ("" if "wrk" in used else "; wrk not installed: raw asyncio fallback")
        )
        plate = pc["runs"][f"{best}/plate_check"]
        why = "C, leaves the CPUs to the servers" if best == "wrk" else "drives the bare faster"
        lines.append(
            f"  headline ({best}, {why}): "
            f"plate check at {fmt(pc['throughput_ratio'] and round(pc['throughput_ratio'] * 100))}"
            f"% of the bare endpoint's req/s, p99 {plate['latency']['p99_ms']} ms "
            f"(target: p99 < 10 ms, >= 70%)"
        )
    lc = results.get("lifecycle")
    if lc:
        lines.append("")
        lines.append(
            f"Lifecycle: {lc['subscriptions']} requests by {lc['users']} users on "
            f"{lc['offerings']} DAS offerings, approved by the operator, {lc['in_flight']} in "
            f"flight"
        )
        lines.append(f"  statuses {lc['statuses']}")
        lines.append(
            f"  {lc['active_with_contract']} active with contract in {lc['wall_s']} s: "
            f"{lc['subscriptions_per_s']} subscriptions/s"
        )
        lines.append(f"  {'':<34}{'p50':>9}{'p99':>9}{'max':>9}")
        for key, label in (
            ("submit_201", "POST /v1/subscriptions (201)"),
            ("decision_200", "operator decision (200)"),
            ("decision_to_contract", "decision -> contract issued"),
            ("request_to_active_with_contract", "request -> active with contract"),
        ):
            s = lc[key]
            lines.append(
                f"  {label:<34}{fmt(s['p50_ms']):>9}{fmt(s['p99_ms']):>9}{fmt(s['max_ms']):>9}  ms"
            )
        lines.append(f"  (status polled every {lc['poll_period_ms']:.0f} ms)")
    mw = results.get("minimal_workflows")
    if mw:
        s = mw["start_to_result"]
        lines.append(
            f"Minimal workflows (one no-op activity): {mw['completed']}/{mw['workflows']} in "
            f"{mw['wall_s']} s, {mw['workflows_per_s']} workflows/s, {mw['in_flight']} in "
            f"flight; start -> result p50 {fmt(s['p50_ms'])} ms, p99 {fmt(s['p99_ms'])} ms"
            + (f"; failures {mw['failures']}" if mw["failures"] else "")
        )
        if lc and mw["workflows_per_s"] and lc["subscriptions_per_s"] is not None:
            lines.append(
                f"  lifecycle at {round(lc['subscriptions_per_s'] / mw['workflows_per_s'] * 100)}"
                "% of the minimal workflows' rate"
            )
    if "error" in results:
        lines.append("")
        lines.append(f"ERROR: {results['error']} (see bench/results/subscriptions-honcho.log)")
    lines.append("")
    lines.append(f"stack stopped: {results.get('shutdown', '-')}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50, help="plate check connections")
    parser.add_argument("--duration", type=float, default=10.0, help="plate check window, s")
    parser.add_argument("--warmup", type=float, default=1.0, help="plate check warm-up, s")
    parser.add_argument("--plate-users", type=int, default=3)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--subscriptions", type=int, default=500)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.1, help="status poll period, s")
    parser.add_argument("--active-timeout", type=float, default=120.0)
    parser.add_argument("--setup-concurrency", type=int, default=5)
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument(
        "--only", choices=("plate", "lifecycle"), help="measure only the plate check or lifecycle"
    )
    parser.add_argument(
        "--generator",
        default="auto",
        help="plate check load generator(s): auto (wrk when installed, else raw-asyncio), all, "
        f"or a comma-separated list of {', '.join(GENERATORS)}",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    results = run(parse_args(argv))
    print(report(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "subscriptions.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {out.relative_to(ROOT)}")
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
