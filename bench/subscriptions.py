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
   a constant (`bench/load.py`'s `bare_app`, served by the same uvicorn with the same settings: one
   worker, `--log-level warning`, on a free port). The load generator is `wrk` (C; `wrk -t1 -c50
   -d10s --latency`, after a discarded warm-up run), which leaves the 2 CPUs to the servers; when
   wrk is not installed, a raw asyncio HTTP/1.1 generator (50 keep-alive connections) stands in,
   and the report says which ran (`--generator all` runs wrk, raw asyncio and httpx side by side).
   `--only plate` or `--only lifecycle` measures one part.
4. Lifecycle: N requests (`POST /v1/subscriptions` by the users), each approved by the operator
   (`POST /v1/operator/subscriptions/{id}/decision`), polled until `active` with its contract
   issued (every `--poll` s, 0.5 by default: the polls load the stack too); C in flight. Side
   by side with N minimal workflows (one no-op activity each, defined here) run by an in-process
   Worker on its own task queue of the same Temporal dev server, C in flight.
5. Stops the stack, removes the folder, prints a table and writes
   `bench/results/subscriptions.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from common import (
    begin_waits,
    load_average,
    machine,
    run_pool,
    save_results,
    summary_ms,
    waits_between,
)
from cpu_profile import CpuProfile, profiled
from inbox import (
    Mailbox,
)
from load import (
    GENERATORS,
    generators,
)
from plate_check import (
    measure_plate_check,
    plate_subscriptions,
)
from stack import (
    Running,
    embedded_stack,
    require_free_ports,
    stack_ready,
)
from subscriptions_report import (
    report,
)
from subscriptions_setup import (
    OPERATOR_EMAIL,
    SUBSCRIPTIONS,
    User,
    create_offerings,
    log_in,
    montreal_today,
    open_accounts,
    prepare,
    request_body,
)
from temporalio import activity, workflow
from temporalio.worker import Worker

# --------------------------------------------------------------------------- the bare endpoint


# --------------------------------------------------------------------------- load generators


# wrk's Lua hooks: rotate through the paths (the -H headers go with wrk.format), and print the
# exact percentiles and error counts as one JSON line once the run is over.


# --------------------------------------------------------------------------- setup calls


# --------------------------------------------------------------------------- plate check


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

    load_before, waits_before = load_average(), await begin_waits(http, SUBSCRIPTIONS)
    wall = await run_pool(n, args.in_flight, one)
    load_after, waits_after = load_average(), await begin_waits(http, SUBSCRIPTIONS)
    active = len(total_s)
    return {
        "load_average": [load_before, load_after],
        "subscriptions_begin_waits": waits_between(waits_before, waits_after),
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


async def measure(args: argparse.Namespace, stack: Running, results: dict[str, Any]) -> None:
    from servicekit.settings import PlatformSettings

    service = {"X-Service-Token": PlatformSettings().service_token}
    run_id = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:
        mailbox = Mailbox(http)
        try:
            needed = ("identity", "subscriptions", "mail", "worker")
            await stack_ready(http, mailbox, stack, run_id, args.startup_timeout, needed, results)

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
            profile = CpuProfile(stack.honcho.pid) if args.profile else None
            if profile:
                profile.start()
            results["lifecycle"] = await measure_lifecycle(http, operator, users, offerings, args)
            if profile:
                results["cpu_profile"] = await profiled(profile, results["lifecycle"])
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
        results,
        "bench-subscriptions-",
        "subscriptions-honcho.log",
        prepare,
        database_url=args.database_url,
    ) as stack:
        stack.run(measure(args, stack, results))
    return results


# --------------------------------------------------------------------------- report


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50, help="plate check connections")
    parser.add_argument("--duration", type=float, default=10.0, help="plate check window, s")
    parser.add_argument("--warmup", type=float, default=1.0, help="plate check warm-up, s")
    parser.add_argument("--plate-users", type=int, default=3)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--subscriptions", type=int, default=500)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--poll", type=float, default=0.5, help="status poll period, s")
    parser.add_argument("--active-timeout", type=float, default=120.0)
    parser.add_argument("--setup-concurrency", type=int, default=5)
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument(
        "--only", choices=("plate", "lifecycle"), help="measure only the plate check or lifecycle"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy: CPU per process and part")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql+asyncpg://...): the services' databases are fresh "
        "ones there instead of SQLite files",
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
    save_results(results, "subscriptions")
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
