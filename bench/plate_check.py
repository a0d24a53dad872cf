"""The plate check measured: the seed's licence-plate site filled with active subscriptions, then
the check driven against the bare endpoint and the real one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from typing import Any

import httpx
from common import (
    HOST,
    BenchError,
    call,
)
from load import (
    GENERATORS,
    PLATE_DAS,
    PLATE_SITE,
    free_port,
    generators,
    start_bare,
    stop_bare,
)
from ports import PORT
from subscriptions_setup import (
    SUBSCRIPTIONS,
    User,
    montreal_today,
    request_body,
)


async def plate_subscriptions(
    http: httpx.AsyncClient, operator: User, users: list[User], service: dict[str, str]
) -> list[str]:
    """Each user subscribes all their vehicles to the plate site's DAS offering from today; the
    operator approves; returns the plates the plate check authorises."""
    plates: list[str] = []
    for user in users:
        body = request_body(PLATE_DAS, [v["id"] for v in user.vehicles], montreal_today())
        url = f"{SUBSCRIPTIONS}/v1/subscriptions"
        sub = (await call(http, "POST", url, 201, headers=user.headers, json=body)).json()
        decision = f"{SUBSCRIPTIONS}/v1/operator/subscriptions/{sub['id']}/decision"
        approved = await call(
            http, "POST", decision, 200, headers=operator.headers, json={"decision": "approve"}
        )
        if approved.json()["status"] != "active":
            raise BenchError(f"plate subscription not active: {approved.json()['status']}")
        plates.extend(v["plate"] for v in user.vehicles)
    for plate in plates:
        check = await call(
            http,
            "GET",
            f"{SUBSCRIPTIONS}/v1/plate-check",
            200,
            headers=service,
            params={"site_id": PLATE_SITE, "plate": plate},
        )
        if not check.json()["authorized"]:
            raise BenchError(f"plate {plate} is not authorised after approval: {check.text}")
    return plates


async def measure_plate_check(
    args: argparse.Namespace, env: dict[str, str], plates: list[str], service: dict[str, str]
) -> dict[str, Any]:
    port = free_port()
    bare = start_bare(env, port)
    try:
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(f"http://{HOST}:{port}/constant")).status_code == 200:
                        break
                if bare.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("the bare uvicorn endpoint did not start")
                await asyncio.sleep(0.1)
        targets = {
            "plate_check": (
                PORT["subscriptions"],
                [f"/v1/plate-check?site_id={PLATE_SITE}&plate={p}" for p in plates],
            ),
            "bare_fastapi": (port, ["/constant"]),
        }
        runs: dict[str, dict[str, Any]] = {}
        used = generators(args.generator)
        for generator in used:
            for target, (target_port, paths) in targets.items():
                load = GENERATORS[generator]
                runs[f"{generator}/{target}"] = await load(target_port, paths, service, args)
                await asyncio.sleep(1)  # let both servers settle between runs
    finally:
        stop_bare(bare)
    # wrk when it ran (C, leaves the CPUs to the servers); otherwise the generator that drives
    # the bare endpoint faster, i.e. the lesser bottleneck.
    best = (
        "wrk"
        if "wrk" in used
        else max(used, key=lambda g: runs[f"{g}/bare_fastapi"]["requests_per_s"])
    )
    plate, ref = runs[f"{best}/plate_check"], runs[f"{best}/bare_fastapi"]
    return {
        "concurrency": args.concurrency,
        "warmup_s": args.warmup,
        "window_s": args.duration,
        "plates": len(plates),
        "uvicorn": "1 worker, --log-level warning (h11, asyncio loop), same binary for both",
        "generators": used,
        "runs": runs,
        "headline_generator": best,
        "throughput_ratio": round(plate["requests_per_s"] / ref["requests_per_s"], 3)
        if ref["requests_per_s"]
        else None,
        "target": "p99 < 10 ms and >= 70% of the bare endpoint's requests/s",
    }
