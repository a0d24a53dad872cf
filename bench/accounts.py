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
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from common import (
    BenchError,
    begin_waits,
    finish_report,
    fmt,
    load_average,
    machine,
    run_pool,
    save_results,
    summary_ms,
    waits_between,
)
from databases import kind
from inbox import (
    IDENTITY,
    PASSWORD,
    POLL_SECONDS,
    Mailbox,
    signup,
    verify,
)
from stack import (
    embedded_stack,
    require_free_ports,
    tree_memory,
    wait_for_startup,
)
from targets import accounts_targets

# --------------------------------------------------------------------------- the measurements


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

    load_before, waits_before = load_average(), await begin_waits(http, IDENTITY)
    wall = await run_pool(count, concurrency, one)
    load_after, waits_after = load_average(), await begin_waits(http, IDENTITY)
    missing = await mailbox.wait_for(set(sent_at), time.monotonic() + wait_s)
    delivered = [e for e in emails if e in sent_at and e in mailbox.arrivals]
    email_s = [mailbox.arrivals[e].seen - sent_at[e] for e in delivered]
    last = max((mailbox.arrivals[e].seen for e in delivered), default=None)
    first = min(sent_at.values(), default=None)
    result = {
        "requests": count,
        "concurrency": concurrency,
        "load_average": [load_before, load_after],
        "identity_begin_waits": waits_between(waits_before, waits_after),
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

    load_before, waits_before = load_average(), await begin_waits(http, IDENTITY)
    wall = await run_pool(total, len(accounts), one)
    load_after, waits_after = load_average(), await begin_waits(http, IDENTITY)
    return {
        "load_average": [load_before, load_after],
        "identity_begin_waits": waits_between(waits_before, waits_after),
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


def run(args: argparse.Namespace) -> dict[str, Any]:
    require_free_ports()
    results: dict[str, Any] = {
        "bench": "accounts",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": vars(args),
    }
    with embedded_stack(
        results, "bench-accounts-", "accounts-honcho.log", database_url=args.database_url
    ) as stack:
        stack.run(measure(args, stack.honcho, stack.launched, stack.expected, results))
    results["argon2"] = argon2_figures()
    return results


# --------------------------------------------------------------------------- report


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
    lines += accounts_targets(results, kind(results["parameters"].get("database_url")))
    return finish_report(lines, results, "accounts")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=200)
    parser.add_argument("--signup-concurrency", type=int, default=10)
    parser.add_argument("--login-users", type=int, default=20)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds at rest before RSS")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument("--email-timeout", type=float, default=120.0)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql+asyncpg://...): the services' databases are fresh "
        "ones there instead of SQLite files",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    results = run(parse_args(argv))
    print(report(results))
    save_results(results, "accounts")
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
