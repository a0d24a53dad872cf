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
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from billing_measure import (
    account_with_card,
    measure_billing,
)
from billing_probes import (
    Sampler,
    component,
    count_query,
    follow,
    rates,
    start_many,
    visible,
    vm_hwm_mib,
)
from billing_report import (
    report,
)
from common import (
    ROOT,
    BenchError,
    executable,
    machine,
    save_results,
)
from inbox import (
    Mailbox,
)
from stack import (
    Running,
    embedded_stack,
    require_free_ports,
    stack_ready,
)

# --------------------------------------------------------------------------- processes


# --------------------------------------------------------------------------- setup


# --------------------------------------------------------------------------- measuring


# --------------------------------------------------------------------------- the two runs


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
            needed = ("identity", "payments", "mail", "worker")
            await stack_ready(http, mailbox, stack, run_id, args.startup_timeout, needed, results)
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
    # The stack's processes inherit this environment (bench/stack.py's stack_env).
    os.environ["PAYMENTS_GATEWAY_RATE_PER_SECOND"] = str(args.gateway_rate)
    if args.max_cached_workflows is not None:
        os.environ["WORKFLOWS_MAX_CACHED_WORKFLOWS"] = str(args.max_cached_workflows)
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
    parser.add_argument("--profile", action="store_true", help="py-spy: CPU per process and part")
    parser.add_argument(
        "--gateway-rate",
        type=float,
        default=0.0,
        help="PAYMENTS_GATEWAY_RATE_PER_SECOND of the stack (0: no limit); the report shows the "
        "busiest second of gateway calls against it",
    )
    parser.add_argument(
        "--max-cached-workflows",
        type=int,
        help="WORKFLOWS_MAX_CACHED_WORKFLOWS of the worker (default: the platform's)",
    )
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
    save_results(results, "billing")
    return 1 if "error" in results or not results.get("billing", {}).get("all_charged") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
