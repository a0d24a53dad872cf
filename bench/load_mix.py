"""Open-loop load (issue 14): a realistic user mix at a fixed arrival rate, run by locust;
printed, never asserted.

    .venv/bin/python bench/load_mix.py                       # the embedded stack (make run)
    .venv/bin/python bench/load_mix.py --target topology     # nginx, 2 replicas, PostgreSQL

1. Starts the target on free ports: the embedded stack as `make run` runs it (bench/embedded.py)
   or the topology of issue 12 (tests/support/topology.py, as `make topology`).
2. Prepares `--users` verified accounts with a profile (the simulated users) and an operator.
3. The run: visits arrive at `--users / --visit-every` per second for `--run-seconds` (by default
   100 users each starting a visit every 10 s on average: 10 visits/s for 5 minutes).
4. The step search: `--rates` visits/s, `--step-seconds` each, up from the lowest; it stops at the
   first rate where some route's p99 reaches 1 s and reports the highest rate before it.

bench/locustfile.py holds the mix and the open-loop clock (why not locust's users: there). Per
route: count, errors, p50, p95, p99 (locust's percentiles, rounded as it stores them). Writes
bench/results/load-mix-<target>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import RESULTS, executable, machine, save_results  # noqa: E402
from subscriptions_setup import BENCH_CATEGORY, BENCH_SITE  # noqa: E402

from servicekit.settings import PlatformSettings  # noqa: E402
from tests.support.load import (  # noqa: E402
    PASSWORD,
    PLATE_SITE,
    PROFILE,
    Account,
    open_account,
    session_cookie,
)

P99_LIMIT_MS = 1000.0
# The run's own DAS offering, with room for every request of the run and the steps: on the
# seed's offering the line filled up within the run, and the approvals it then refused (409
# `waitlisted`, `offering_full`: the portal was right) were counted as errors.
LOAD_OFFERING_ID, LOAD_OFFERING_CAPACITY = 990_101, 100_000
EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")
NAMES = ("web", "identity", "subscriptions", "mail")


# --------------------------------------------------------------------------- the targets


@contextlib.asynccontextmanager
async def embedded_target() -> AsyncIterator[tuple[Any, Callable[[str], None]]]:
    from embedded import embedded

    with embedded() as stack:

        def operator(email: str) -> None:
            create_operator(email, stack.env)

        yield stack, operator


@contextlib.asynccontextmanager
async def topology_target() -> AsyncIterator[tuple[Any, Callable[[str], None]]]:
    from tests.support.temporal import start_dev_server
    from tests.support.topology import Topology, topology_databases

    env = await start_dev_server()
    try:
        async with topology_databases() as urls:
            address = env.client.service_client.config.target_host
            topology = Topology(Path(tempfile.mkdtemp(prefix="load-mix-topology-")), urls, address)
            try:
                await topology.start()

                def operator(email: str) -> None:
                    create_operator(email, topology.env())

                yield topology, operator
            finally:
                topology.stop()
    finally:
        await env.shutdown()


def create_operator(email: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [executable("python"), "-m", "services.identity.cli", "create-operator", email],
        env=env | {"OPERATOR_PASSWORD": PASSWORD},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"create-operator failed: {done.stderr}")


async def prepare(target: Any, operator: Callable[[str], None], users: int) -> dict[str, Any]:
    """The state locust reads: URLs, the simulated users (signed in), the operator."""
    accounts: list[Account] = []
    for start in range(0, users, 10):  # ten at a time: sign-ups hash passwords (argon2id)
        batch = min(10, users - start)
        accounts += await asyncio.gather(*(setup_account(target) for _ in range(batch)))
    email = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    await asyncio.to_thread(operator, email)
    offering = await load_offering(target, email)
    return {
        "urls": {name: target.url(name) for name in NAMES},
        "password": PASSWORD,
        "operator": email,
        "service_token": PlatformSettings().service_token,
        "plate_site": PLATE_SITE,
        "plates": ["ABC123", *(f"Q{uuid.uuid4().hex[:5].upper()}" for _ in range(20))],
        "offering": offering,
        "profile": PROFILE,
        "users": [{"email": a.email, "cookie": session_cookie(a.tokens)} for a in accounts],
    }


async def load_offering(target: Any, operator_email: str) -> int:
    """The run's DAS offering, created by the operator through the catalog API."""
    body = {
        "id": LOAD_OFFERING_ID,
        "site_id": BENCH_SITE,
        "category_id": BENCH_CATEGORY,
        "code": "1461",
        "name": "Hôpital de Hull - Charge ouverte",
        "description_fr": "Abonnement mensuel en tout temps",
        "description_en": "Monthly subscription, any time",
        "monthly_price_cents": 6500,
        "billing_mode": "payroll",
        "notice_days": 30,
        "capacity": LOAD_OFFERING_CAPACITY,
        "visibility": "public",
    }
    async with httpx.AsyncClient(timeout=30.0) as http:
        login = await http.post(
            target.url("identity") + "/v1/sessions",
            json={"email": operator_email, "password": PASSWORD},
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        url = target.url("subscriptions") + "/v1/operator/offerings"
        created = await http.post(url, json=body, headers=headers)
    if created.status_code != 201:
        raise SystemExit(f"the load offering was refused: {created.status_code} {created.text}")
    return LOAD_OFFERING_ID


async def setup_account(target: Any) -> Account:
    """tests/support/load.py's account, started again with a new address on a transport error
    (a kept-alive connection the server closed while the account waited for its email)."""
    for attempt in range(4):
        try:
            return await open_account(target)
        except httpx.TransportError:
            if attempt == 3:
                raise
            await asyncio.sleep(1.0)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- one locust run


def run_locust(state_path: Path, rate: float, seconds: int, label: str) -> dict[str, Any]:
    """locust headless with one clock user at `rate` visits/s; its per-route figures."""
    folder = Path(tempfile.mkdtemp(prefix="load-mix-"))
    prefix = folder / label
    load_before = os.getloadavg()
    command = [
        executable("locust"),
        *("-f", str(ROOT / "bench" / "locustfile.py")),
        *("--headless", "-u", "1", "-r", "1", "--run-time", f"{seconds}s"),
        *("--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"),
    ]
    env = os.environ | {"LOAD_MIX_STATE": str(state_path), "LOAD_MIX_RATE": str(rate)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    routes = read_stats(Path(f"{prefix}_stats.csv"))
    failures = read_failures(Path(f"{prefix}_failures.csv"))
    return {
        "label": label,
        "rate_visits_per_s": rate,
        "seconds": seconds,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "routes": routes,
        "errors": sum(r["failures"] for r in routes if r["name"] != "Aggregated"),
        "failures": failures[:20],
        "locust_exit": done.returncode,
        "locust_stderr_tail": done.stderr[-1500:] if done.returncode not in (0, 1) else "",
    }


def number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def read_stats(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open() as f:
        return [
            {
                "name": row["Name"],
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "per_s": round(float(row["Requests/s"]), 2),
                "p50_ms": number(row["50%"]),
                "p95_ms": number(row["95%"]),
                "p99_ms": number(row["99%"]),
                "max_ms": round(float(row["Max Response Time"]), 1),
            }
            for row in csv.DictReader(f)
        ]


def read_failures(path: Path) -> list[dict[str, Any]]:
    """locust's failures by route and error, addresses blanked so that the same error counts
    once (each sign-up has its own address), most frequent first."""
    if not path.exists():
        return []
    counts: dict[tuple[str, str], int] = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            error = EMAIL.sub("<email>", row["Error"])[:300]
            key = (row["Name"], error)
            counts[key] = counts.get(key, 0) + int(row["Occurrences"])
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return [{"route": route, "error": error, "count": n} for (route, error), n in ordered]


def worst_p99(run: dict[str, Any]) -> float:
    return max((r["p99_ms"] or 0.0 for r in run["routes"] if r["name"] != "Aggregated"), default=0)


# --------------------------------------------------------------------------- the whole bench


async def measure(args: argparse.Namespace, results: dict[str, Any]) -> None:
    target_of = embedded_target if args.target == "embedded" else topology_target
    async with target_of() as (target, operator):
        state = await prepare(target, operator, args.users)
        state_path = Path(tempfile.mkdtemp(prefix="load-mix-state-")) / "state.json"
        state_path.write_text(json.dumps(state))
        if args.run_seconds:
            rate = args.users / args.visit_every
            print(f"run: {args.users} users, {rate} visits/s for {args.run_seconds} s", flush=True)
            results["run"] = await asyncio.to_thread(
                run_locust, state_path, rate, args.run_seconds, "run"
            )
            print(table(results["run"]), flush=True)
        results["steps"] = []
        for rate in args.rates:
            print(f"step: {rate} visits/s for {args.step_seconds} s", flush=True)
            step = await asyncio.to_thread(
                run_locust, state_path, rate, args.step_seconds, f"step-{rate}"
            )
            results["steps"].append(step)
            print(table(step), flush=True)
            if worst_p99(step) >= P99_LIMIT_MS:
                break
        within = [s["rate_visits_per_s"] for s in results["steps"] if worst_p99(s) < P99_LIMIT_MS]
        results["highest_rate_p99_under_1s"] = max(within, default=None)


def table(run: dict[str, Any]) -> str:
    lines = [
        f"{run['label']}: {run['rate_visits_per_s']} visits/s for {run['seconds']} s, "
        f"errors {run['errors']}, load average {run['load_average_before'][0]} -> "
        f"{run['load_average_after'][0]}",
        f"  {'route':<50}{'count':>7}{'errors':>7}{'req/s':>7}{'p50':>7}{'p95':>7}{'p99':>7}  ms",
    ]
    for r in run["routes"]:
        lines.append(
            f"  {r['name'][:50]:<50}{r['count']:>7}{r['failures']:>7}{r['per_s']:>7}"
            f"{fmt(r['p50_ms'])}{fmt(r['p95_ms'])}{fmt(r['p99_ms'])}"
        )
    for failure in run["failures"][:5]:
        lines.append(f"  ! {failure['count']} x {failure['route']}: {failure['error'][:120]}")
    return "\n".join(lines)


def fmt(value: float | None) -> str:
    return f"{'-' if value is None else int(value):>7}"


def report(results: dict[str, Any]) -> str:
    lines = ["", f"Open-loop user mix ({results['target']})", "=" * 72]
    if "run" in results:
        lines.append(table(results["run"]))
    for step in results.get("steps", []):
        lines.append(table(step))
    best = results.get("highest_rate_p99_under_1s")
    rates = [s["rate_visits_per_s"] for s in results.get("steps", [])]
    lines.append("")
    lines.append(
        f"highest arrival rate with every route's p99 < 1 s: "
        f"{'-' if best is None else best} visits/s (steps tried: {rates})"
    )
    if "run" in results:
        lines.append(
            f"{results['parameters']['run_seconds']} s with {results['parameters']['users']} "
            f"users: {results['run']['errors']} errors (target 0)"
        )
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("embedded", "topology"), default="embedded")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--visit-every", type=float, default=10.0, help="seconds, per user")
    parser.add_argument("--run-seconds", type=int, default=300, help="0: no run")
    parser.add_argument(
        "--rates",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
    )
    parser.add_argument("--step-seconds", type=int, default=45)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    results: dict[str, Any] = {
        "bench": "load_mix",
        "target": args.target,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_at_start": [round(x, 2) for x in psutil.getloadavg()],
        "parameters": vars(args),
    }
    asyncio.run(measure(args, results))
    print(report(results))
    RESULTS.mkdir(parents=True, exist_ok=True)
    save_results(results, f"load-mix-{args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
