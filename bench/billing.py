"""Figures of the billing issue, measured on the embedded stack (printed, never asserted).

    .venv/bin/python bench/billing.py --count 10000        # or: make bench

"The first-of-the-month run": N active subscriptions billed on the same day. On loopback only
(the stack's start and stop are `bench/stack.py`'s, as for the other benches):

1. Checks that the fixed ports are free, migrates a fresh temporary data folder and starts
   `honcho start -f Procfile` (Temporal dev server, mail catcher, identity, subscriptions,
   payments, the real worker `python -m workflows.worker`, web).
2. Opens one account through the real journey (sign up, follow the emailed link, log in) and
   adds one card (4242 4242 4242 4242, the sandbox gateway captures it) with
   `POST /v1/payment-methods/card` on the payments service.
3. Billing: starts N `SubscriptionWorkflow` executions (`subscription-<uuid>`) directly with the
   platform's Temporal client (its data converter), C starts in flight, each already `active`
   (`SubscriptionInput.carried_state`, as continue-as-new would hand it over): started the 1st of
   last month, card, 65.00 $ a month, billed through the last day of last month. This month's
   period (from the 1st, already past) is due the moment each run starts: it charges once through
   the payments service's internal API and the sandbox gateway, then continues-as-new to wait for
   next month. The subscriptions service never hears of these ids: with a carried state the
   workflow skips the approval (the only step that loads the subscription). Measured: the wall
   time from the first start until N final charges are in the payments database (`charges`, read
   directly every 0.5 s), charges per second (overall and between 10 % and 90 % done), the time
   until Temporal's visibility shows the N runs continued-as-new, the worker process's RSS
   sampled every 0.5 s until then (and the kernel's high-water mark, VmHWM), CPU seconds per
   component. Then checks: every charge paid and 65.00 $, N runs continued-as-new and N running,
   the activities a sample of first runs scheduled (only `subscription_charge` is expected),
   failures in the worker's log.
4. Side by side: N minimal workflows (one no-op activity each, `bench/subscriptions.py`'s
   `BenchMinimalWorkflow`) on the same Temporal server, started the same way, run by a worker
   in a child process of its own (own task queue, default Worker settings, the platform's data
   converter), so its RSS is measured the same way as the real worker's. "Done" is the child's
   count of completed activities (the counterpart of a charge row), then the time until
   visibility shows the N workflows completed.
5. Stops the stack, removes the folder, prints a table and writes `bench/results/billing.json`.

The billing workflows are left waiting for next month; the stack (and its Temporal database)
is torn down with the temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psutil
from stack import (
    HOST,
    IDENTITY,
    PASSWORD,
    RESULTS,
    ROOT,
    BenchError,
    Mailbox,
    Running,
    classify,
    embedded_stack,
    executable,
    fmt,
    machine,
    require_free_ports,
    run_pool,
    signup,
    tree,
    verify,
    wait_for_startup,
)

PAYMENTS = f"http://{HOST}:8003"
MONTREAL = ZoneInfo("America/Montreal")
MONTHLY_CENTS = 6500
SITE_ID, OFFERING_ID = 1534, 7201  # only the search attributes use them
SAMPLE_SECONDS = 0.5
PROGRESS_SECONDS = 10.0
SHELLS = {"sh", "bash", "dash"}


# --------------------------------------------------------------------------- processes


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


# --------------------------------------------------------------------------- setup


async def call(
    http: httpx.AsyncClient, method: str, url: str, expect: int, **kwargs: Any
) -> httpx.Response:
    """A setup call (not measured): retried on transport errors and 5xx."""
    problem = ""
    for attempt in range(4):
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


async def account_with_card(
    http: httpx.AsyncClient, mailbox: Mailbox, email: str
) -> dict[str, str]:
    """Sign up, follow the emailed link, log in, add the sandbox's capturing card."""
    if (await signup(http, email)).status_code != 202:
        raise BenchError(f"signup of {email} refused")
    if await mailbox.wait_for({email}, time.monotonic() + 90):
        raise BenchError(f"no verification email for {email}")
    if not await verify(http, mailbox, [email]):
        raise BenchError(f"{email} could not be verified through its link")
    body = {"email": email, "password": PASSWORD}
    tokens = (await call(http, "POST", f"{IDENTITY}/v1/sessions", 200, json=body)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    card = {
        "holder_name": "Léa Tremblay",
        "number": "4242424242424242",
        "exp_month": 12,
        "exp_year": date.today().year + 3,
        "cvv": "123",
    }
    method = await call(
        http, "POST", f"{PAYMENTS}/v1/payment-methods/card", 201, headers=headers, json=card
    )
    return {"account_id": tokens["account"]["id"], "payment_method_id": method.json()["id"]}


def billing_dates(today: date) -> dict[str, date]:
    """Started the 1st of last month, billed through its last day: this month is due."""
    this_first = today.replace(day=1)
    billed_through = this_first - timedelta(days=1)
    next_first = (this_first + timedelta(days=32)).replace(day=1)
    return {
        "start_date": billed_through.replace(day=1),
        "billed_through": billed_through,
        "period_start": this_first,
        "period_end": next_first - timedelta(days=1),
    }


# --------------------------------------------------------------------------- measuring


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


def worker_log_problems(log_path: Path, since_line: int) -> dict[str, Any]:
    """Lines of the worker in honcho's log since `since_line` that tell of a failure."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return {"lines_checked": 0, "problems": 0, "examples": []}
    fresh = [line for line in lines[since_line:] if " worker.1 " in line or "worker.1 |" in line]
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


# --------------------------------------------------------------------------- the two runs


async def measure_billing(
    args: argparse.Namespace, stack: Running, who: dict[str, str], client: Any
) -> dict[str, Any]:
    from servicekit.settings import PlatformSettings
    from workflows.subscription.models import (
        WORKFLOW_NAME,
        BillingState,
        CarriedState,
        SubscriptionInput,
        workflow_id,
    )

    settings = PlatformSettings()
    dates = billing_dates(datetime.now(MONTREAL).date())
    n = args.count
    ids = [str(uuid.uuid4()) for _ in range(n)]
    handles: list[Any] = [None] * n

    def input_of(i: int) -> SubscriptionInput:
        return SubscriptionInput(
            subscription_id=ids[i],
            contract_number=f"B{i + 1:07d}",
            site_id=SITE_ID,
            offering_id=OFFERING_ID,
            carried_state=CarriedState(
                status="active",
                start_date=dates["start_date"],
                billing_mode="pad",
                billing=BillingState(
                    account_id=who["account_id"],
                    payment_method_id=who["payment_method_id"],
                    method_kind="card",
                    monthly_cents=MONTHLY_CENTS,
                    billed_through=dates["billed_through"],
                ),
            ),
        )

    async def start_one(i: int) -> None:
        handles[i] = await client.start_workflow(
            WORKFLOW_NAME,
            input_of(i),
            id=workflow_id(ids[i]),
            task_queue=settings.temporal_task_queue,
        )

    worker = component(stack.honcho.pid, "worker")
    payments = component(stack.honcho.pid, "payments")
    temporal = component(stack.honcho.pid, "temporal")
    if worker is None or payments is None or temporal is None:
        raise BenchError("worker, payments or temporal process not found in the tree")
    procs = {"worker": worker, "payments": payments, "temporal": temporal}
    charges = Charges(stack.data / "payments.db")
    log_path = stack.data / "honcho.log"
    log_from = log_lines(log_path)
    hwm_before = vm_hwm_mib(worker)
    failures: dict[str, int] = {}
    sampler = Sampler(procs)
    sampler.start()
    t0 = time.monotonic()
    starts = asyncio.create_task(start_many(n, args.start_concurrency, start_one, failures))

    async def done() -> int:
        return charges.final()

    wall, timeline = await follow("billing", n, done, t0, args.timeout, starts)
    start_s, started = await starts
    # Each run continues-as-new right after its charge: the worker's peak covers that too.
    closed_query = f"WorkflowType='{WORKFLOW_NAME}' AND ExecutionStatus='ContinuedAsNew'"
    closed_s = await visible(client, closed_query, started, t0, args.close_timeout)
    await sampler.stop()
    ok = [h for h in handles if h is not None]
    sample = random.Random(7).sample(ok, min(args.verify_sample, len(ok)))
    verify_started = time.monotonic()
    activities = await scheduled_activities(client, sample)
    latest: dict[str, int] = {}
    for handle in sample:
        desc = await client.get_workflow_handle(handle.id).describe()
        status = desc.status.name if desc.status else None
        key = f"{status}/continued={desc.run_id != handle.first_execution_run_id}"
        latest[key] = latest.get(key, 0) + 1
    result = {
        "workflows": n,
        "dates": {k: v.isoformat() for k, v in dates.items()},
        "monthly_cents": MONTHLY_CENTS,
        "start_concurrency": args.start_concurrency,
        "started": started,
        "start_failures": failures,
        "starts_submitted_s": round(start_s, 2),
        "starts_per_s": round(started / start_s, 1) if start_s else None,
        "all_charged": wall is not None,
        "wall_s": None if wall is None else round(wall, 2),
        "charged": timeline[-1][1] if timeline else 0,
        "rate": rates(timeline, n, wall),
        "all_continued_as_new_seen_s": closed_s,
        "charges": charges.summary(dates["period_start"]),
        "workflows_continued_as_new": await count_query(client, closed_query),
        "workflows_running": await count_query(
            client, f"WorkflowType='{WORKFLOW_NAME}' AND ExecutionStatus='Running'"
        ),
        "sample_checked": len(sample),
        "sample_activity_types": activities,
        "sample_latest_runs": latest,
        "verify_s": round(time.monotonic() - verify_started, 1),
        "worker_log": worker_log_problems(log_path, log_from),
        "worker_pid": worker.pid,
        "rss_mib": {
            "at_rest_before": sampler.first_mib,
            "peak_sampled": sampler.peak_mib,
            "after": sampler.last_mib,
            "worker_vmhwm_before": hwm_before,
            "worker_vmhwm_after": vm_hwm_mib(worker),
        },
        "cpu_s": sampler.cpu_used,
        "worker_rss_timeline": sampler.coarse_timeline(),
        "progress": timeline[:: max(1, len(timeline) // 60)],
    }
    charges.close()
    return result


def start_minimal_worker(env: dict[str, str], queue: str) -> subprocess.Popen[str]:
    """This script again, as `--minimal-worker QUEUE`, in a session of its own."""
    return subprocess.Popen(
        [executable("python"), str(Path(__file__).resolve()), "--minimal-worker", queue],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # stopped by its pid, in measure_minimal's `finally`
    )


async def measure_minimal(args: argparse.Namespace, stack: Running, client: Any) -> dict[str, Any]:
    """N one-activity workflows on the same server, run by a worker in a child process."""
    from subscriptions import BenchMinimalWorkflow

    n = args.count
    run_id = uuid.uuid4().hex[:8]
    queue = f"bench-minimal-{run_id}"
    child = start_minimal_worker(stack.env, queue)
    activities_done = 0
    ready = threading.Event()

    def read_child() -> None:
        """`ready`, then `done <count>` lines: the activities the child's worker completed."""
        nonlocal activities_done
        assert child.stdout is not None
        for line in child.stdout:
            word, _, value = line.strip().partition(" ")
            if word == "ready":
                ready.set()
            elif word == "done":
                activities_done = int(value)

    threading.Thread(target=read_child, daemon=True).start()
    try:
        if not await asyncio.to_thread(ready.wait, 60):
            raise BenchError("the minimal workflows' worker did not start")
        proc = psutil.Process(child.pid)
        temporal = component(stack.honcho.pid, "temporal")
        procs = {"minimal_worker": proc}
        if temporal is not None:
            procs["temporal"] = temporal
        await asyncio.sleep(2)  # settled, as the real worker was before its run
        failures: dict[str, int] = {}

        async def start_one(i: int) -> None:
            await client.start_workflow(
                BenchMinimalWorkflow.run,
                i,
                id=f"bench-minimal-{run_id}-{i}",
                task_queue=queue,
                execution_timeout=timedelta(seconds=args.timeout),
            )

        sampler = Sampler(procs, watch="minimal_worker")
        sampler.start()
        t0 = time.monotonic()
        starts = asyncio.create_task(start_many(n, args.start_concurrency, start_one, failures))

        async def done() -> int:
            return activities_done

        wall, timeline = await follow("minimal", n, done, t0, args.timeout, starts)
        start_s, started = await starts
        closed_query = f"TaskQueue='{queue}' AND ExecutionStatus='Completed'"
        closed_s = await visible(client, closed_query, started, t0, args.close_timeout)
        await sampler.stop()
        return {
            "workflows": n,
            "task_queue": queue,
            "start_concurrency": args.start_concurrency,
            "started": started,
            "start_failures": failures,
            "starts_submitted_s": round(start_s, 2),
            "starts_per_s": round(started / start_s, 1) if start_s else None,
            "all_completed": wall is not None,
            "completed": timeline[-1][1] if timeline else 0,
            "completion_seen_by": "the child worker's count of completed activities",
            "wall_s": None if wall is None else round(wall, 2),
            "rate": rates(timeline, n, wall),
            "all_completed_seen_s": closed_s,
            "workflows_completed": await count_query(client, closed_query),
            "worker_pid": child.pid,
            "rss_mib": {
                "at_rest_before": sampler.first_mib,
                "peak_sampled": sampler.peak_mib,
                "after": sampler.last_mib,
                "worker_vmhwm_after": vm_hwm_mib(proc),
            },
            "cpu_s": sampler.cpu_used,
            "worker_rss_timeline": sampler.coarse_timeline(),
            "worker": "child process of the bench, default Worker settings, own task queue, "
            "sandbox off (bench/subscriptions.py's BenchMinimalWorkflow), platform data converter",
        }
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)  # the child we started, by its pid
            try:
                child.wait(timeout=40)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)


async def measure(args: argparse.Namespace, stack: Running, results: dict[str, Any]) -> None:
    from servicekit.settings import PlatformSettings
    from servicekit.temporal import connect

    run_id = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=60.0) as http:
        mailbox = Mailbox(http)
        try:
            probe = f"bench-{run_id}-probe@example.org"
            deadline = stack.launched + args.startup_timeout
            ready = await wait_for_startup(
                http, mailbox, stack.honcho, stack.launched, stack.expected, probe, deadline
            )
            results["startup_s"] = {k: None if v is None else round(v, 2) for k, v in ready.items()}
            needed = ("identity", "payments", "mail", "worker")
            down = [name for name in needed if ready.get(name) is None]
            if down:
                raise BenchError(f"not ready within {args.startup_timeout} s: {', '.join(down)}")
            who = await account_with_card(http, mailbox, f"bench-{run_id}-payer@example.org")
        finally:
            await mailbox.stop()
    results["payer"] = {"card": "4242 (sandbox: captured)", **who}
    client = await connect(PlatformSettings(), wait_seconds=30)
    await asyncio.sleep(args.settle)  # the stack at rest before the run
    print(f"billing: starting {args.count} subscription workflows", file=sys.stderr, flush=True)
    results["billing"] = await measure_billing(args, stack, who, client)
    if not args.skip_minimal:
        await asyncio.sleep(args.settle)
        print(f"minimal: starting {args.count} one-activity workflows", file=sys.stderr, flush=True)
        results["minimal"] = await measure_minimal(args, stack, client)


def run(args: argparse.Namespace) -> dict[str, Any]:
    if args.count < 1 or args.start_concurrency < 1:
        raise SystemExit("bench: --count and --start-concurrency must be positive")
    require_free_ports()
    results: dict[str, Any] = {
        "bench": "billing",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": {k: v for k, v in vars(args).items() if k != "minimal_worker"},
    }
    with embedded_stack(results, "bench-billing-", "billing-honcho.log") as stack:
        stack.run(measure(args, stack, results))
    return results


# --------------------------------------------------------------------------- the child worker


async def serve_minimal(queue: str) -> None:
    """`--minimal-worker QUEUE`: run BenchMinimalWorkflow on QUEUE until SIGTERM/SIGINT, printing
    `ready`, then `done <count>` whenever the count of completed activities changed."""
    from subscriptions import BenchMinimalWorkflow
    from temporalio import activity
    from temporalio.worker import Worker

    from servicekit.settings import PlatformSettings
    from servicekit.temporal import connect

    completed = 0

    @activity.defn(name="bench_noop")  # bench/subscriptions.py's no-op, counted
    async def counted_noop(n: int) -> int:
        nonlocal completed
        completed += 1
        return n

    client = await connect(PlatformSettings(), wait_seconds=30)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(
        client, task_queue=queue, workflows=[BenchMinimalWorkflow], activities=[counted_noop]
    )
    async with worker:
        print("ready", flush=True)
        printed = 0
        while not stop.is_set():
            if completed != printed:
                printed = completed
                print(f"done {printed}", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.1)


# --------------------------------------------------------------------------- report


def report(results: dict[str, Any]) -> str:
    lines = ["", "Billing bench: the first-of-the-month run (embedded stack, loopback)", "=" * 78]
    m = results["machine"]
    lines.append(f"machine: {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}")
    b, mw = results.get("billing"), results.get("minimal")
    if b:
        d = b["dates"]
        lines.append(
            f"each subscription: active since {d['start_date']}, billed through "
            f"{d['billed_through']}; period {d['period_start']}..{d['period_end']} due, "
            f"{b['monthly_cents'] / 100:.2f} $ on the sandbox card"
        )
        lines.append("")
        w = 36
        lines.append(f"  {'':<{w}}{'billing':>18}{'minimal (1 act.)':>20}")

        def row(label: str, bv: Any, mv: Any = None) -> None:
            lines.append(f"  {label:<{w}}{fmt(bv):>18}{fmt(mv):>20}")

        def get(r: dict[str, Any] | None, *path: str) -> Any:
            for key in path:
                if r is None:
                    return None
                r = r.get(key)
            return r

        row("workflows", b["workflows"], get(mw, "workflows"))
        row(
            "started (failures)",
            f"{b['started']} ({sum(b['start_failures'].values())})",
            mw and f"{mw['started']} ({sum(mw['start_failures'].values())})",
        )
        row("starts submitted in, s", b["starts_submitted_s"], get(mw, "starts_submitted_s"))
        row("starts/s", b["starts_per_s"], get(mw, "starts_per_s"))
        row("done (charged | activity done)", b["charged"], get(mw, "completed"))
        row("wall: first start -> all done, s", b["wall_s"], get(mw, "wall_s"))
        row("done per second", b["rate"]["per_s"], get(mw, "rate", "per_s"))
        row(
            "done per second, 10 % -> 90 %",
            b["rate"]["per_s_10_to_90"],
            get(mw, "rate", "per_s_10_to_90"),
        )
        row(
            "all closed (visibility), s",
            b["all_continued_as_new_seen_s"],
            get(mw, "all_completed_seen_s"),
        )
        row("first done after, s", b["rate"]["first_done_s"], get(mw, "rate", "first_done_s"))
        row("50 % done after, s", b["rate"]["t50_s"], get(mw, "rate", "t50_s"))
        row(
            "worker RSS before, MiB",
            b["rss_mib"]["at_rest_before"].get("worker"),
            get(mw, "rss_mib", "at_rest_before", "minimal_worker"),
        )
        row(
            "worker peak RSS (0.5 s samples), MiB",
            b["rss_mib"]["peak_sampled"].get("worker"),
            get(mw, "rss_mib", "peak_sampled", "minimal_worker"),
        )
        row(
            "worker VmHWM after, MiB",
            b["rss_mib"]["worker_vmhwm_after"],
            get(mw, "rss_mib", "worker_vmhwm_after"),
        )
        row(
            "worker RSS after, MiB",
            b["rss_mib"]["after"].get("worker"),
            get(mw, "rss_mib", "after", "minimal_worker"),
        )
        row(
            "Temporal server peak RSS, MiB",
            b["rss_mib"]["peak_sampled"].get("temporal"),
            get(mw, "rss_mib", "peak_sampled", "temporal"),
        )
        row("payments peak RSS, MiB", b["rss_mib"]["peak_sampled"].get("payments"))
        row("CPU s: worker", b["cpu_s"].get("worker"), get(mw, "cpu_s", "minimal_worker"))
        row("CPU s: Temporal server", b["cpu_s"].get("temporal"), get(mw, "cpu_s", "temporal"))
        row("CPU s: payments", b["cpu_s"].get("payments"))
        row("CPU s: bench (client)", b["cpu_s"].get("bench"), get(mw, "cpu_s", "bench"))
        if b["rate"]["per_s"] and mw and get(mw, "rate", "per_s"):
            lines.append(
                f"  billing at {round(b['rate']['per_s'] / mw['rate']['per_s'] * 100)} % of the "
                "minimal workflows' rate"
            )
        c = b["charges"]
        lines.append("")
        lines.append(
            f"checks: charges {c['by_status']}, {c['distinct_subscriptions']} subscriptions, "
            f"amounts {c['amount_cents_min_max']} cents, invoices {c['invoices_by_status']}"
        )
        lines.append(
            f"  SubscriptionWorkflow runs: {fmt(b['workflows_continued_as_new'])} continued-as-new,"
            f" {fmt(b['workflows_running'])} running (waiting for next month)"
        )
        lines.append(
            f"  activities scheduled by {b['sample_checked']} sampled first runs: "
            f"{b['sample_activity_types']}; their latest runs: {b['sample_latest_runs']}"
        )
        wl = b["worker_log"]
        lines.append(
            f"  worker log during the run: {wl['problems']} problem line(s) of "
            f"{wl['lines_checked']}"
        )
        lines.extend(f"    {example[:160]}" for example in wl["examples"])
        if b["start_failures"]:
            lines.append(f"  start failures: {b['start_failures']}")
    if mw and mw["start_failures"]:
        lines.append(f"  minimal start failures: {mw['start_failures']}")
    if "error" in results:
        lines.append("")
        lines.append(f"ERROR: {results['error']} (see bench/results/billing-honcho.log)")
    lines.append("")
    lines.append(f"stack stopped: {results.get('shutdown', '-')}")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="subscriptions (and minimal)")
    parser.add_argument("--start-concurrency", type=int, default=50, help="starts in flight")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per run, s")
    parser.add_argument("--settle", type=float, default=5.0, help="rest before each run, s")
    parser.add_argument(
        "--close-timeout", type=float, default=600.0, help="wait for visibility after, s"
    )
    parser.add_argument("--verify-sample", type=int, default=20, help="histories checked")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--skip-minimal", action="store_true")
    parser.add_argument("--minimal-worker", metavar="QUEUE", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.minimal_worker:
        asyncio.run(serve_minimal(args.minimal_worker))
        sys.stdout.flush()
        os._exit(0)  # as workflows/worker.py: skip finalization under the SDK's native threads
    results = run(args)
    print(report(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "billing.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"written: {out.relative_to(ROOT)}")
    return 1 if "error" in results or not results.get("billing", {}).get("all_charged") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
