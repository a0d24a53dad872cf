"""The worker's RSS against the workflow runs it keeps cached (issue 14, part 4).

    .venv/bin/python bench/worker_cache.py [--runs 3000] [--caches 1000,200]

For each cache size (`WORKFLOWS_MAX_CACHED_WORKFLOWS`; 1,000 is the Temporal SDK's default):
starts the embedded stack on a temporary data folder and free ports (`bench/stack.py`), opens
one account with a card (as `bench/billing.py`), then starts `SubscriptionWorkflow` runs in
steps, each already active and billed through the end of this month, as a continued run of the
first-of-the-month bench is: its first workflow task publishes its search attributes and sets
its timer for next month, then the run waits, kept in the worker's sticky cache until evicted.
After each step has had its first tasks (the last runs of the step described until their first
task completed) and 2 s more, the real worker's RSS (`python -m workflows.worker`) is sampled.
Prints RSS against open runs per cache size, and the slope per cached run. Printed, never
asserted; about 2 minutes per cache size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
from billing_measure import MONTHLY_CENTS, OFFERING_ID, SITE_ID, account_with_card
from billing_probes import component, start_many
from common import BenchError, load_average, machine, save_results
from inbox import Mailbox
from stack import Running, embedded_stack, stack_ready

from servicekit.clock import today as today_in_montreal


def run_input(i: int, who: dict[str, str]) -> Any:
    from workflows.subscription.models import BillingState, CarriedState, SubscriptionInput

    today = today_in_montreal()
    this_first = today.replace(day=1)
    next_first = (this_first + timedelta(days=32)).replace(day=1)
    return SubscriptionInput(
        subscription_id=str(uuid.uuid4()),
        contract_number=f"C{i + 1:07d}",
        site_id=SITE_ID,
        offering_id=OFFERING_ID,
        carried_state=CarriedState(
            status="active",
            start_date=this_first,
            billing_mode="pad",
            billing=BillingState(
                account_id=who["account_id"],
                payment_method_id=who["payment_method_id"],
                method_kind="card",
                monthly_cents=MONTHLY_CENTS,
                billed_through=next_first - timedelta(days=1),  # nothing due before next month
            ),
        ),
    )


async def first_tasks_done(client: Any, ids: list[str], limit: float) -> None:
    """Until each of these runs completed its first workflow task (or `limit` s passed)."""
    deadline = time.monotonic() + limit
    for wid in ids:
        while time.monotonic() < deadline:
            desc = await client.get_workflow_handle(wid).describe()
            if desc.history_length >= 4:
                break
            await asyncio.sleep(0.2)


async def measure(args: argparse.Namespace, stack: Running, cache: int) -> dict[str, Any]:
    from servicekit.settings import PlatformSettings
    from servicekit.temporal import connect
    from workflows.subscription.models import WORKFLOW_NAME, workflow_id

    run_id = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=60.0) as http:
        mailbox = Mailbox(http)
        try:
            needed = ("identity", "payments", "mail", "worker")
            await stack_ready(http, mailbox, stack, run_id, args.startup_timeout, needed, {})
            who = await account_with_card(http, mailbox, f"bench-{run_id}-payer@example.org")
        finally:
            await mailbox.stop()
    worker = component(stack.honcho.pid, "worker")
    if worker is None:
        raise BenchError("worker process not found")
    client = await connect(PlatformSettings(), wait_seconds=30)
    queue = PlatformSettings().temporal_task_queue
    await asyncio.sleep(args.settle)
    points = [(0, round(worker.memory_info().rss / 2**20, 1))]
    failures: dict[str, int] = {}
    load = [load_average()]
    opened = 0
    while opened < args.runs:
        step = min(args.step, args.runs - opened)
        ids = [workflow_id(f"cache-{run_id}-{opened + i}") for i in range(step)]

        async def start_one(i: int, ids: list[str] = ids, base: int = opened) -> None:
            await client.start_workflow(
                WORKFLOW_NAME, run_input(base + i, who), id=ids[i], task_queue=queue
            )

        await start_many(step, args.start_concurrency, start_one, failures)
        await first_tasks_done(client, ids[-5:], 120.0)
        await asyncio.sleep(2.0)
        opened += step
        points.append((opened, round(worker.memory_info().rss / 2**20, 1)))
        print(f"  cache {cache}: {opened} runs open, worker {points[-1][1]} MiB", file=sys.stderr)
    load.append(load_average())
    return {"cache": cache, "points": points, "start_failures": failures, "load_average": load}


def slope_kib(points: list[tuple[int, float]], cache: int) -> float | None:
    """KiB of worker RSS per cached run: from 0 runs to the first point with a full cache."""
    full = next(((n, mib) for n, mib in points if n >= cache), None)
    if full is None:
        return None
    return round((full[1] - points[0][1]) * 1024 / cache, 1)


def report(results: dict[str, Any]) -> str:
    lines = ["", "Worker RSS against open (cached) workflow runs", "=" * 60]
    runs = results["runs"]
    header = "  open runs" + "".join(f"{'cache ' + str(r['cache']):>16}" for r in runs)
    lines.append(header + "   (worker RSS, MiB)")
    for i, (n, _) in enumerate(runs[0]["points"]):
        row = f"  {n:>9}" + "".join(
            f"{r['points'][i][1] if i < len(r['points']) else '':>16}" for r in runs
        )
        lines.append(row)
    for r in runs:
        cache = r["cache"]
        per = slope_kib(r["points"], cache)
        beyond = r["points"][-1][1] - next((m for n, m in r["points"] if n >= cache), 0.0)
        lines.append(
            f"  cache {cache}: {per} KiB per cached run; "
            f"{round(beyond, 1)} MiB more from {cache} to {r['points'][-1][0]} runs; "
            f"load {r['load_average']}"
            + (f"; start failures {r['start_failures']}" if r["start_failures"] else "")
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--step", type=int, default=250)
    parser.add_argument("--caches", default="1000,200", help="WORKFLOWS_MAX_CACHED_WORKFLOWS")
    parser.add_argument("--start-concurrency", type=int, default=50)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"bench": "worker_cache", "machine": machine(), "runs": []}
    for cache in (int(c) for c in args.caches.split(",")):
        os.environ["WORKFLOWS_MAX_CACHED_WORKFLOWS"] = str(cache)  # the stack inherits it
        outcome: dict[str, Any] = {}
        with embedded_stack(outcome, "bench-cache-", f"worker-cache-{cache}.log") as stack:
            results["runs"].append(stack.run(measure(args, stack, cache)))
        if "error" in outcome:
            results["error"] = outcome["error"]
            print(f"error: {outcome['error']}", file=sys.stderr)
            return 1
    print(report(results))
    save_results(results, "worker_cache")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
