"""What the billing bench watches while it runs: the components' memory and CPU, the charges
as they land, the workflows' progress and visibility, and the worker's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psutil
from common import (
    run_pool,
)
from stack import (
    classify,
    tree,
)

SAMPLE_SECONDS = 0.5

PROGRESS_SECONDS = 10.0

SHELLS = {"sh", "bash", "dash"}


def component(honcho_pid: int, name: str) -> psutil.Process | None:
    """The process of a Procfile entry (not the shell honcho may wrap it in): the largest."""
    found = []
    for proc in tree(honcho_pid):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if classify(proc) == name and proc.name() not in SHELLS:
                found.append((proc.memory_info().rss, proc))
    return max(found, key=lambda f: f[0])[1] if found else None


def vm_hwm_mib(proc: psutil.Process) -> float | None:
    """The kernel's peak RSS of the process since it started (VmHWM)."""
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{proc.pid}/status").read_text()
        found = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
        if found:
            return round(int(found.group(1)) / 1024, 1)
    return None


def cpu_seconds(proc: psutil.Process) -> float | None:
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
        times = proc.cpu_times()
        return float(times.user + times.system)
    return None


@dataclass
class Sampler:
    """RSS of a few processes every 0.5 s (peak and a coarse timeline) and their CPU time."""

    procs: dict[str, psutil.Process]
    peak_mib: dict[str, float] = field(default_factory=dict)
    first_mib: dict[str, float] = field(default_factory=dict)
    last_mib: dict[str, float] = field(default_factory=dict)
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (s, watched MiB)
    cpu_start: dict[str, float | None] = field(default_factory=dict)
    cpu_used: dict[str, float | None] = field(default_factory=dict)
    watch: str = "worker"
    _task: asyncio.Task[None] | None = None
    _t0: float = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self.cpu_start = {n: cpu_seconds(p) for n, p in self.procs.items()}
        self.cpu_start["bench"] = cpu_seconds(psutil.Process())
        self.sample()
        self._task = asyncio.create_task(self._run())

    def sample(self) -> None:
        for name, proc in self.procs.items():
            try:
                mib = proc.memory_info().rss / 2**20
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            self.first_mib.setdefault(name, round(mib, 1))
            self.last_mib[name] = round(mib, 1)
            self.peak_mib[name] = round(max(mib, self.peak_mib.get(name, 0.0)), 1)
            if name == self.watch:
                self.timeline.append((round(time.monotonic() - self._t0, 1), round(mib, 1)))

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_SECONDS)
            self.sample()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sample()
        ends = {n: cpu_seconds(p) for n, p in self.procs.items()}
        ends["bench"] = cpu_seconds(psutil.Process())
        for name, end in ends.items():
            began = self.cpu_start.get(name)
            self.cpu_used[name] = None if end is None or began is None else round(end - began, 1)

    def coarse_timeline(self, every: float = 5.0) -> list[tuple[float, float]]:
        kept: list[tuple[float, float]] = []
        for t, mib in self.timeline:
            if not kept or t - kept[-1][0] >= every:
                kept.append((t, mib))
        return kept


class Charges:
    """The payments database's `charges` table, read directly (WAL: readers do not block)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), timeout=10)

    def by_status(self) -> dict[str, int]:
        rows = self._db.execute("SELECT status, count(*) FROM charges GROUP BY status").fetchall()
        return {status: count for status, count in rows}

    def final(self) -> int:
        return sum(n for s, n in self.by_status().items() if s != "pending")

    def summary(self, period_start: date) -> dict[str, Any]:
        q = (
            "SELECT count(*), count(DISTINCT subscription_id), count(DISTINCT idempotency_key), "
            "min(amount_cents), max(amount_cents), sum(amount_cents) FROM charges "
            "WHERE period_start = ?"
        )
        n, subs, keys, lo, hi, total = self._db.execute(q, (period_start.isoformat(),)).fetchone()
        invoices = self._db.execute("SELECT status, count(*) FROM invoices GROUP BY status")
        return {
            "rows_for_period": n,
            "distinct_subscriptions": subs,
            "distinct_keys": keys,
            "amount_cents_min_max": [lo, hi],
            "total_cents": total,
            "by_status": self.by_status(),
            "invoices_by_status": dict(invoices.fetchall()),
        }

    def gateway_pace(self, rate: float) -> dict[str, Any]:
        """Card charges the sandbox gateway received per second (its own rows' times), the
        busiest second against the configured rate (0: none)."""
        rows = self._db.execute(
            "SELECT substr(created_at, 1, 19), count(*) FROM sandbox_charges GROUP BY 1"
        ).fetchall()
        busiest = max((n for _, n in rows), default=0)
        return {
            "rate_per_s": rate,
            "gateway_calls": sum(n for _, n in rows),
            "seconds_with_calls": len(rows),
            "busiest_second": busiest,
            "bounded": None if not rate else busiest <= math.ceil(rate),
        }

    def close(self) -> None:
        self._db.close()


def crossing(timeline: list[tuple[float, int]], target: int) -> float | None:
    """The first time the count reached `target`."""
    return next((t for t, n in timeline if n >= target), None)


def rates(timeline: list[tuple[float, int]], n: int, wall: float | None) -> dict[str, Any]:
    """Overall rate, and the rate between 10 % and 90 % done (without the ramp and the tail)."""
    t10, t90 = crossing(timeline, max(1, n // 10)), crossing(timeline, max(1, n * 9 // 10))
    middle = None
    if t10 is not None and t90 is not None and t90 > t10:
        middle = round((n * 9 // 10 - max(1, n // 10)) / (t90 - t10), 2)
    return {
        "per_s": round(n / wall, 2) if wall else None,
        "per_s_10_to_90": middle,
        "first_done_s": crossing(timeline, 1),
        "t10_s": t10,
        "t50_s": crossing(timeline, max(1, n // 2)),
        "t90_s": t90,
    }


async def start_many(
    count: int, concurrency: int, start_one: Any, failures: dict[str, int]
) -> tuple[float, int]:
    """Start `count` workflows, `concurrency` starts in flight; (seconds, started)."""
    started = 0

    async def one(i: int) -> None:
        nonlocal started
        try:
            await start_one(i)
        except Exception as exc:  # counted and reported, never fatal
            failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
            return
        started += 1

    seconds = await run_pool(count, concurrency, one)
    return seconds, started


async def follow(
    label: str,
    count: int,
    done: Any,
    t0: float,
    limit: float,
    starts: asyncio.Task[tuple[float, int]],
) -> tuple[float | None, list[tuple[float, int]]]:
    """Poll done() every 0.5 s until it reaches `count`; (wall from t0 or None, timeline)."""
    timeline: list[tuple[float, int]] = []
    last_print = time.monotonic()
    deadline = t0 + limit
    while True:
        n = await done()
        now = time.monotonic()
        timeline.append((round(now - t0, 2), n))
        if n >= count:
            return now - t0, timeline
        if now > deadline:
            print(f"  {label}: timeout with {n}/{count} done", file=sys.stderr, flush=True)
            return None, timeline
        if now - last_print >= PROGRESS_SECONDS:
            started = "starting" if not starts.done() else "all started"
            print(
                f"  {label}: {now - t0:7.1f} s  {n}/{count} done ({started})",
                file=sys.stderr,
                flush=True,
            )
            last_print = now
        await asyncio.sleep(SAMPLE_SECONDS)


async def count_query(client: Any, query: str) -> int | None:
    try:
        return int((await client.count_workflows(query)).count)
    except Exception:  # visibility not answering this query: reported as None
        return None


async def visible(client: Any, query: str, count: int, t0: float, limit: float) -> float | None:
    """Seconds from t0 until Temporal's visibility counts `count` workflows for the query
    (polled every 0.5 s, at most `limit` s from now); None when it did not."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if (await count_query(client, query) or 0) >= count:
            return round(time.monotonic() - t0, 2)
        await asyncio.sleep(SAMPLE_SECONDS)
    return None


WORKER_PROBLEM = re.compile(
    r"Traceback|ERROR|Completing activity as failed|Failed activation|subscription_load|"
    r"subscription_transition|SubscriptionNotFound|nondetermin",
    re.I,
)


WORKER_LINE = re.compile(r" worker(\.1)? +\| ")


def worker_log_problems(log_path: Path, since_line: int) -> dict[str, Any]:
    """Lines of the worker in honcho's log since `since_line` that tell of a failure."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return {"lines_checked": 0, "problems": 0, "examples": []}
    # honcho wrote `worker.1 |`, the embedded supervisor writes `worker |`.
    fresh = [line for line in lines[since_line:] if WORKER_LINE.search(line)]
    bad = [line for line in fresh if WORKER_PROBLEM.search(line)]
    return {"lines_checked": len(fresh), "problems": len(bad), "examples": bad[:5]}


def log_lines(log_path: Path) -> int:
    try:
        return len(log_path.read_text(errors="replace").splitlines())
    except OSError:
        return 0


async def scheduled_activities(client: Any, handles: list[Any]) -> dict[str, int]:
    """Activity types the first runs of these workflows scheduled, with counts."""
    seen: dict[str, int] = {}
    for handle in handles:
        first = client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
        history = await first.fetch_history()
        for event in history.events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                name = event.activity_task_scheduled_event_attributes.activity_type.name
                seen[name] = seen.get(name, 0) + 1
    return seen
