"""Figures of the topology (issue 12), measured here on one machine; printed, never asserted.

    .venv/bin/python bench/topology.py            # about 5 minutes

1. Starts the topology of the tests (tests/support/topology.py: nginx, 2 replicas of the web,
   of each service and of the worker on PostgreSQL, the Temporal dev server), then again with 1
   replica of each, and measures requests/s through nginx for the plate check and the dashboard
   page with `wrk -t1 -c50 -d8s` (after a 2 s warm-up; wrk is C and leaves the CPUs to the
   servers).
2. Plate index across replicas: the time from a vehicle's removal answered by replica A to the
   first plate check of replica B that says so (LISTEN/NOTIFY), over 10 removals; and the cost
   of one check under each way to stay fresh, in-process on the same database: the NOTIFY-kept
   index (a dictionary lookup), a version check (at least one database round trip per check,
   measured as `SELECT 1`, plus the lookup), and no cache (the plate's own query).
3. User-visible errors: 20 simulated users (tests/support/load.py) while one replica of each
   component is SIGKILLed and started again, then during a rolling restart of every replica.
"""

import asyncio
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from servicekit.db import make_engine, make_sessionmaker  # noqa: E402
from servicekit.settings import PlatformSettings  # noqa: E402
from services.subscriptions.plates import PlateIndex  # noqa: E402
from tests.subscriptions.factories import GATINEAU_DAS, request_body, vehicle_body  # noqa: E402
from tests.support.disruptions import kill_each, report, roll_all  # noqa: E402
from tests.support.load import Load, open_account, open_accounts, session_cookie  # noqa: E402
from tests.support.temporal import start_dev_server  # noqa: E402
from tests.support.topology import Topology, topology_databases  # noqa: E402
from tests.topology.test_sessions_and_plates import (  # noqa: E402
    PLATE_SITE,
    authorized,
    bearer,
    create_operator,
)

TOKEN = PlatformSettings().service_token


def wrk(url: str, headers: dict[str, str]) -> float:
    """Requests per second wrk measured (after a discarded warm-up)."""
    args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    subprocess.run(["wrk", "-t1", "-c50", "-d2s", *args, url], capture_output=True, check=False)
    done = subprocess.run(
        ["wrk", "-t1", "-c50", "-d8s", *args, url], capture_output=True, text=True, check=False
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if non_2xx:
        print(f"  ({non_2xx.group(1)} answers were not 2xx/3xx for {url})")
    return float(found.group(1)) if found else 0.0


async def throughput(topology: Topology) -> dict[str, float]:
    account = await open_account(topology)
    plate = f"{topology.url('subscriptions')}/v1/plate-check?site_id={PLATE_SITE}&plate=ABC123"
    dashboard = f"{topology.url('web')}/tableau-de-bord"
    return {
        "plate check": await asyncio.to_thread(wrk, plate, {"X-Service-Token": TOKEN}),
        "dashboard": await asyncio.to_thread(
            wrk, dashboard, {"Cookie": f"session={session_cookie(account.tokens)}"}
        ),
    }


async def propagation(topology: Topology, rounds: int = 10) -> list[float]:
    """Seconds from replica A's answer to a removal until replica B's plate check agrees."""
    a, b = (r.url for r in topology.replicas["subscriptions"])
    operator = await create_operator(topology)
    seconds = []
    async with httpx.AsyncClient(timeout=30.0) as http:
        for _ in range(rounds):
            user = await open_account(topology)
            ids, plates = [], []
            for _ in range(2):
                added = await http.post(
                    f"{a}/v1/vehicles", headers=bearer(user.tokens), json=vehicle_body()
                )
                ids.append(added.json()["id"])
                plates.append(added.json()["plate"])
            body = request_body(GATINEAU_DAS, ids) | {"requested_start": time.strftime("%Y-%m-%d")}
            sub = await http.post(f"{a}/v1/subscriptions", headers=bearer(user.tokens), json=body)
            await http.post(
                f"{a}/v1/operator/subscriptions/{sub.json()['id']}/decision",
                headers=bearer(operator),
                json={"decision": "approve"},
            )
            while not await authorized(http, b, TOKEN, plates[1]):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            await http.delete(f"{a}/v1/vehicles/{ids[1]}", headers=bearer(user.tokens))
            removed = time.perf_counter()
            while await authorized(http, b, TOKEN, plates[1]):  # noqa: ASYNC110
                await asyncio.sleep(0.0005)
            seconds.append(time.perf_counter() - removed)
    return seconds


async def check_costs(database_url: str, checks: int = 1000) -> dict[str, float]:
    """Microseconds per plate check for each way of staying fresh (in-process)."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    index = PlateIndex()
    await index.check(sessions, PLATE_SITE, "ABC123")
    await asyncio.sleep(0.5)  # listening: the index is kept from now on
    costs: dict[str, list[float]] = {}

    async def timed(name: str, one) -> None:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        for _ in range(checks):
            await one()
        costs.setdefault(name, []).append((time.perf_counter() - started) / checks * 1e6)

    async def version_check() -> None:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
        await index.check(sessions, PLATE_SITE, "ABC123")

    query = text(
        "SELECT s.start_date, s.cancellation_effective FROM subscriptions s "
        "JOIN subscription_vehicles sv ON sv.subscription_id = s.id "
        "JOIN vehicles v ON v.id = sv.vehicle_id JOIN sites t ON t.id = s.site_id "
        "WHERE s.status = 'active' AND t.access_type = 'plate' AND s.site_id = :site "
        "AND v.plate = :plate"
    )

    async def no_cache() -> None:
        async with sessions() as session:
            await session.execute(query, {"site": PLATE_SITE, "plate": "ABC123"})

    for _ in range(3):  # interleaved, the median kept: the machine's other load varies
        await timed("NOTIFY-kept index", lambda: index.check(sessions, PLATE_SITE, "ABC123"))
        await timed("version check (>= 1 round trip)", version_check)
        await timed("no cache (query per check)", no_cache)
    await index.close()
    await engine.dispose()
    return {name: statistics.median(runs) for name, runs in costs.items()}


async def disruptions(topology: Topology) -> str:
    accounts = await open_accounts(topology, 20)
    lines = []
    for name, disrupt in (("kill", kill_each), ("rolling restart", roll_all)):
        load = Load(topology, accounts, TOKEN)
        runner = asyncio.create_task(load.run(signups_every=0.5))
        await asyncio.sleep(1.0)
        windows = await disrupt(topology, load)
        await asyncio.sleep(1.0)
        load.stop()
        await runner
        failed_signups = sum(1 for s in load.signups.values() if s != 202)
        lines.append(
            f"{name}: {len(load.outcomes)} requests, {len(load.failures())} failed "
            f"({failed_signups} of {len(load.signups)} sign-ups), {load.resent} GETs resent\n"
            + report(windows)
        )
    return "\n".join(lines)


async def run_topology(count: int, temporal_address: str, full: bool) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix=f"topology-{count}-"))
    async with topology_databases() as urls:
        topology = Topology(folder, urls, temporal_address, count=count)
        try:
            await topology.start()
            found: dict[str, object] = {"rps": await throughput(topology)}
            if full:
                found["propagation"] = await propagation(topology)
                found["costs"] = await check_costs(urls["subscriptions"])
                found["disruptions"] = await disruptions(topology)
            return found
        finally:
            topology.stop()
            shutil.rmtree(folder, ignore_errors=True)


async def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    env = await start_dev_server()
    try:
        address = env.client.service_client.config.target_host
        two = await run_topology(2, address, full=True)
        one = await run_topology(1, address, full=False)
    finally:
        await env.shutdown()
    print("\nrequests/s through nginx (wrk -t1 -c50 -d8s)")
    for name in ("plate check", "dashboard"):
        single, double = one["rps"][name], two["rps"][name]  # type: ignore[index]
        print(f"  {name:<12} 1 replica {single:8.0f}   2 replicas {double:8.0f}")
    spread = two["propagation"]
    print(
        f"plate change seen by the other replica: median {statistics.median(spread) * 1000:.1f} ms,"  # type: ignore[arg-type]
        f" max {max(spread) * 1000:.1f} ms over {len(spread)}"  # type: ignore[arg-type]
    )
    print("one plate check, in-process (µs):")
    for name, micros in two["costs"].items():  # type: ignore[attr-defined]
        print(f"  {name:<34} {micros:8.1f}")
    print(two["disruptions"])


if __name__ == "__main__":
    asyncio.run(main())
