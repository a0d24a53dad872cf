"""Fault-injection campaign on the embedded stack: worker SIGKILLs during lifecycles, an SMTP
outage, a payments outage; prints lost / duplicated / stuck counts and recovery times.

`.venv/bin/python bench/chaos.py [--lifecycles 120] [--kills 12] [--outage 60]`

Unlike the other benches it does not run honcho (which stops everything when one process
dies): it starts each Procfile entry as its own process group on a temporary data folder, so
one entry can be killed and started again. A lifecycle is a DAS request, the operator's
approval and the subscription active with its contract; its emails are « reçue » and
« approuvée » (the contract attached). Emails are identified by their stable Message-ID:
lost = an expected Message-ID never caught; duplicated = one caught more than once; stuck = a
lifecycle not active with its contract by the end. Long (several minutes): not in `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from common import (
    RESULTS,
    ROOT,
    BenchError,
    machine,
)
from inbox import (
    MAIL,
    Mailbox,
)
from ports import url
from stack import (
    migrate,
    require_free_ports,
    stack_env,
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

READY = {
    "temporal": None,
    "mail": f"{MAIL}/healthz",
    "identity": f"{url('identity')}/readyz",
    "subscriptions": f"{SUBSCRIPTIONS}/readyz",
    "payments": f"{url('payments')}/readyz",
    "worker": None,
}
EMAILS = ("subscription_received", "subscription_approved")
SEPARATE_APPS = {
    "identity": ("services.identity.main:create_app", 8001),
    "subscriptions": ("services.subscriptions.main:create_app", 8002),
    "payments": ("services.payments.main:create_app", 8003),
    "web": ("web.main:create_app", 8000),
}


class Supervisor:
    """Each Procfile entry in its own process group; kill, stop and start one at a time."""

    def __init__(self, env: dict[str, str], data: Path) -> None:
        self.env, self.data = env, data
        self.commands = {}
        for line in (ROOT / "Procfile").read_text().splitlines():
            name, _, command = line.partition(":")
            if name.strip() in READY:
                self.commands[name.strip()] = shlex.split(command.strip())
        # `make run` serves the web and the three services from one process (Procfile `apps`);
        # the campaign stops payments alone, so each app runs as its own uvicorn here, as in
        # production, on the ports the Procfile gives it.
        for app, (factory, port) in SEPARATE_APPS.items():
            if app in READY:
                self.commands[app] = [
                    str(ROOT / ".venv" / "bin" / "uvicorn"), "--factory", factory,
                    "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                    "--no-access-log",
                ]  # fmt: skip
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = (self.data / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            self.commands[name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def signal(self, name: str, sig: int) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            if self.procs[name].poll() is None:
                self.signal(name, signal.SIGTERM)


async def wait_ready(http: httpx.AsyncClient, name: str, within: float = 60) -> float:
    started = time.monotonic()
    url = READY[name]
    while time.monotonic() - started < within:
        if url is None:
            return 0.0
        with contextlib.suppress(httpx.HTTPError):
            if (await http.get(url)).status_code == 200:
                return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise BenchError(f"{name} not ready in {within} s")


class Campaign:
    def __init__(self, http: httpx.AsyncClient, sup: Supervisor, args: argparse.Namespace):
        self.http, self.sup, self.args = http, sup, args
        self.operator = User(OPERATOR_EMAIL)
        self.users: list[User] = []
        self.offerings: list[int] = []
        self.subs: dict[str, dict[str, Any]] = {}  # id -> {phase, user}
        self.slot = 0
        self.events: dict[str, Any] = {}

    async def setup(self, mailbox: Mailbox, run: str) -> None:
        await log_in(self.http, self.operator)
        per_user = 4
        need = -(-self.args.lifecycles // per_user) + 8
        self.offerings = await create_offerings(self.http, self.operator, per_user + 2, 1000)
        emails = [f"chaos-{run}-{i:03d}@example.org" for i in range(need)]
        self.users = await open_accounts(self.http, mailbox, emails, 1, 8)

    def next_slot(self) -> tuple[User, int]:
        user = self.users[self.slot % len(self.users)]
        offering = self.offerings[self.slot // len(self.users)]
        self.slot += 1
        return user, offering

    async def lifecycle(self, phase: str) -> None:
        """Request then approve, both retried on transport errors and 5xx like a client would."""
        user, offering = self.next_slot()
        body = request_body(offering, [user.vehicles[0]["id"]], montreal_today())
        answer = await self._retry("POST", f"{SUBSCRIPTIONS}/v1/subscriptions", user.headers, body)
        if answer is None or answer.status_code != 201:
            self.events.setdefault("request_failures", []).append(
                None if answer is None else answer.text[:200]
            )
            return
        sub_id = answer.json()["id"]
        self.subs[sub_id] = {"phase": phase, "user": user}
        key = uuid.uuid4().hex
        decision = {"decision": "approve", "idempotency_key": key}
        url = f"{SUBSCRIPTIONS}/v1/operator/subscriptions/{sub_id}/decision"
        decided = await self._retry("POST", url, self.operator.headers, decision)
        self.subs[sub_id]["approved"] = decided is not None and decided.status_code == 200
        if decided is not None and decided.status_code != 200:
            self.subs[sub_id]["decision_error"] = decided.text[:200]

    async def _retry(
        self, method: str, url: str, headers: dict, body: dict
    ) -> httpx.Response | None:
        for attempt in range(20):
            try:
                response = await self.http.request(method, url, headers=headers, json=body)
            except httpx.TransportError:
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            if response.status_code < 500:
                return response
            await asyncio.sleep(0.5 * (attempt + 1))
        return None

    async def pool(self, count: int, phase: str, in_flight: int) -> None:
        queue = list(range(count))

        async def worker() -> None:
            while queue:
                queue.pop()
                await self.lifecycle(phase)

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    async def has_contract(self, sub_id: str) -> bool:
        user = self.subs[sub_id]["user"]
        with contextlib.suppress(httpx.HTTPError):
            got = await self.http.get(
                f"{SUBSCRIPTIONS}/v1/subscriptions/{sub_id}", headers=user.headers
            )
            return (
                got.status_code == 200
                and got.json()["status"] == "active"
                and got.json()["has_contract"]
            )
        return False

    async def caught(self) -> Counter[str]:
        messages = (await self.http.get(f"{MAIL}/api/v1/messages", params={"limit": 100000})).json()
        return Counter(m["MessageID"] for m in messages["messages"])


def expected_ids(sub_id: str, kind: str) -> str:
    return f"subscription-{sub_id}.email.{kind}@parking.localhost"


async def worker_kills(c: Campaign, kills: int, every: float) -> list[dict[str, float]]:
    """SIGKILL the worker `kills` times while lifecycles run; restart it 1 s later."""
    done = []
    for _ in range(kills):
        await asyncio.sleep(every * random.uniform(0.6, 1.4))
        killed = time.monotonic()
        c.sup.signal("worker", signal.SIGKILL)
        await asyncio.sleep(1.0)
        c.sup.start("worker")
        done.append({"killed_at": killed, "restarted_after_s": round(time.monotonic() - killed, 2)})
    return done


async def outage(c: Campaign, name: str, seconds: float, lifecycles: int) -> dict[str, Any]:
    """Stop `name`, run lifecycles meanwhile, start it again; how long until all are complete
    (contract and both emails) after it answered again."""
    c.sup.signal(name, signal.SIGTERM)
    phase = f"{name}_outage"
    await c.pool(lifecycles, phase, 4)
    await asyncio.sleep(max(0.0, seconds - 5))
    c.sup.start(name)
    await wait_ready(c.http, name)
    back = time.monotonic()
    ids = [s for s, v in c.subs.items() if v["phase"] == phase]
    done_at: dict[str, float] = {}
    while len(done_at) < len(ids) and time.monotonic() - back < 180:
        counts = await c.caught()
        for s in ids:
            if s in done_at:
                continue
            mails = all(counts[expected_ids(s, k)] for k in EMAILS)
            if mails and await c.has_contract(s):
                done_at[s] = time.monotonic() - back
        await asyncio.sleep(0.5)
    after = sorted(done_at.values())
    return {
        "down_s": seconds,
        "lifecycles": len(ids),
        "complete": len(done_at),
        "recovered_after_back_s": {
            "p50": round(statistics.median(after), 1) if after else None,
            "max": round(after[-1], 1) if after else None,
        },
    }


async def campaign(args: argparse.Namespace, sup: Supervisor, results: dict[str, Any]) -> None:
    run = uuid.uuid4().hex[:6]
    async with httpx.AsyncClient(timeout=30.0) as http:
        for name in READY:
            sup.start(name)
            await wait_ready(http, name)
        mailbox = Mailbox(http)
        mailbox.start()
        c = Campaign(http, sup, args)
        try:
            await c.setup(mailbox, run)
        finally:
            await mailbox.stop()
        started = time.monotonic()
        main = args.lifecycles - 2 * args.outage_lifecycles
        every = max(3.0, main * 0.5 / max(args.kills, 1))
        kills_task = asyncio.create_task(worker_kills(c, args.kills, every))
        await c.pool(main, "worker_kills", 6)
        kills = await kills_task
        results["worker_kills"] = {
            "kills": len(kills),
            "lifecycles": main,
            "phase_s": round(time.monotonic() - started, 1),
        }
        results["smtp_outage"] = await outage(c, "mail", args.outage, args.outage_lifecycles)
        for user in [c.operator, *c.users]:  # access tokens live 10 minutes
            await log_in(http, user)
        results["payments_outage"] = await outage(
            c, "payments", args.outage, args.outage_lifecycles
        )
        # Settle: every lifecycle gets until the deadline to complete.
        deadline = time.monotonic() + args.settle
        stuck = set(c.subs)
        while stuck and time.monotonic() < deadline:
            counts = await c.caught()
            for s in list(stuck):
                if all(counts[expected_ids(s, k)] for k in EMAILS) and await c.has_contract(s):
                    stuck.discard(s)
            await asyncio.sleep(1.0)
        counts = await c.caught()
        expected = [expected_ids(s, k) for s in c.subs for k in EMAILS]
        results["lifecycles"] = len(c.subs)
        results["approvals_failed"] = sum(1 for v in c.subs.values() if not v.get("approved"))
        results["decision_errors"] = [
            v["decision_error"] for v in c.subs.values() if "decision_error" in v
        ][:5]
        results["request_failures"] = c.events.get("request_failures", [])
        results["stuck"] = len(stuck)
        results["lost_emails"] = sum(1 for e in expected if counts[e] == 0)
        results["duplicated_emails"] = sum(n - 1 for n in counts.values() if n > 1)
        results["emails_caught"] = sum(counts.values())
        results["stuck_by_phase"] = dict(Counter(c.subs[s]["phase"] for s in stuck))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=120)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument(
        "--outage", type=float, default=60.0, help="seconds SMTP, then payments, is down"
    )
    parser.add_argument("--outage-lifecycles", type=int, default=8)
    parser.add_argument("--settle", type=float, default=180.0)
    args = parser.parse_args(argv)
    require_free_ports()
    results: dict[str, Any] = {
        "bench": "chaos",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "parameters": vars(args),
    }
    import tempfile

    data = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
    env = stack_env(data) | {"SMTP_LEDGER_URL": f"sqlite+aiosqlite:///{data / 'sent-mail.db'}"}
    migrate(env)
    prepare(env)
    sup = Supervisor(env, data)
    try:
        asyncio.run(campaign(args, sup, results))
    except BenchError as exc:
        results["error"] = str(exc)
    finally:
        sup.stop_all()
    results["data_dir"] = str(data)
    print(json.dumps(results, indent=2, default=str))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chaos.json").write_text(json.dumps(results, indent=2, default=str))
    return 0 if "error" not in results else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
