"""Load on one HTTP endpoint for the plate-check bench: the bare FastAPI endpoint it is compared
with, and the load generators (wrk when installed, raw asyncio, httpx).
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
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from common import (
    HOST,
    ROOT,
    BenchError,
    executable,
    percentile,
    summary_ms,
)
from fastapi import FastAPI

BENCH_DIR = Path(__file__).resolve().parent

PLATE_SITE, PLATE_DAS = 1535, 7201  # the seed's licence-plate site and its DAS offering


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
        "load:bare_app",
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
