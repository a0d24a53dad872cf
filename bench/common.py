"""What every bench script shares: where results go, figures (percentiles, formatting, the
machine), running the repository's Python, setup calls retried, and the report's ending.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent


RESULTS = ROOT / "bench" / "results"


SETUP_RETRIES = 4  # a setup call is retried this many times on transport errors and 5xx


VENV_BIN = ROOT / ".venv" / "bin"


HOST = "127.0.0.1"


class BenchError(Exception):
    """A step that the rest of the run cannot do without."""


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


def executable(name: str) -> str:
    """The project venv's executable, or the one next to this interpreter."""
    candidate = VENV_BIN / name
    return str(candidate if candidate.exists() else Path(sys.executable).parent / name)


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


def run_python(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python <args>` from the repository, with the stack's environment; output captured."""
    return subprocess.run(
        [executable("python"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def check_python(args: list[str], env: dict[str, str], what: str) -> None:
    """`run_python`, a failure raised as a `BenchError` naming `what`."""
    done = run_python(args, env)
    if done.returncode != 0:
        raise BenchError(f"{what} failed:\n{done.stderr or done.stdout}")


def finish_report(lines: list[str], results: dict[str, Any], name: str) -> str:
    """The report's last lines (the error, where its log is, how the stack stopped), joined."""
    if "error" in results:
        lines.append("")
        lines.append(f"ERROR: {results['error']} (see bench/results/{name}-honcho.log)")
    lines.append("")
    lines.append(f"stack stopped: {results.get('shutdown', '-')}")
    return "\n".join(lines)


def save_results(results: dict[str, Any], name: str) -> None:
    """Write `bench/results/<name>.json` and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"written: {out.relative_to(ROOT)}")


def fmt(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def load_average() -> float:
    """The machine's 1-minute load average now (shared machine: say it with each figure)."""
    return round(os.getloadavg()[0], 2)


async def begin_waits(http: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    """A service's `db_begin_wait_seconds` (SQLite: time to BEGIN, the write queue included)
    from its `/metrics`: count and sum per mode, and how many write BEGINs waited over 100 ms.
    Cumulative since the service started: callers subtract two readings."""
    found: dict[str, Any] = {}
    try:
        text = (await http.get(f"{base_url}/metrics")).text
    except httpx.HTTPError:
        return found
    for line in text.splitlines():
        if not line.startswith("db_begin_wait_seconds"):
            continue
        name, _, value = line.rpartition(" ")
        mode = "write" if 'mode="write"' in name else "read"
        entry = found.setdefault(mode, {})
        if name.startswith("db_begin_wait_seconds_count"):
            entry["count"] = float(value)
        elif name.startswith("db_begin_wait_seconds_sum"):
            entry["sum_s"] = float(value)
        elif 'le="0.1"' in name:
            entry["within_100ms"] = float(value)
    return found


def waits_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per mode: BEGINs, their mean wait (ms) and how many waited over 100 ms, in the interval."""
    out: dict[str, Any] = {}
    for mode, end in after.items():
        start = before.get(mode, {})
        count = end.get("count", 0) - start.get("count", 0)
        total = end.get("sum_s", 0) - start.get("sum_s", 0)
        fast = end.get("within_100ms", 0) - start.get("within_100ms", 0)
        out[mode] = {
            "begins": int(count),
            "mean_ms": round(total / count * 1000, 2) if count else None,
            "over_100ms": int(count - fast),
        }
    return out


def target_line(label: str, measured: str, target: str, met: bool | None) -> str:
    """One figure beside its target, and whether it is met."""
    verdict = "-" if met is None else ("met" if met else "NOT MET")
    return f"  {label:<44}{measured:>22}   target {target:<22}{verdict}"


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
    }


async def call(
    http: httpx.AsyncClient, method: str, url: str, expect: int, **kwargs: Any
) -> httpx.Response:
    """A setup call (not measured): retried on transport errors and 5xx, BenchError otherwise."""
    problem = ""
    for attempt in range(SETUP_RETRIES):
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
