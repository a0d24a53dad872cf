"""The billing bench's main run: a payer with a card, N subscriptions started across a billing
day, followed until every charge landed and every workflow is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from billing_probes import (
    Charges,
    Sampler,
    component,
    count_query,
    follow,
    log_lines,
    rates,
    scheduled_activities,
    start_many,
    visible,
    vm_hwm_mib,
    worker_log_problems,
)
from common import (
    BenchError,
    call,
)
from cpu_profile import CpuProfile
from inbox import (
    IDENTITY,
    PASSWORD,
    Mailbox,
    signup,
    verify,
)
from ports import url
from stack import (
    Running,
)

from servicekit.clock import today as today_in_montreal

PAYMENTS = url("payments")
HOSTED_CARD = url("hosted_card")


MONTHLY_CENTS = 6500

SITE_ID, OFFERING_ID = 1534, 7201  # only the search attributes use them


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
    typed = {"number": "4242424242424242", "exp_month": 12, "exp_year": date.today().year + 3}
    issued = await call(  # what the hosted card page does in the browser
        http, "POST", f"{HOSTED_CARD}/v1/single-use-tokens", 201, json=typed | {"cvv": "123"}
    )
    card = {"holder_name": "Léa Tremblay", "card_token": issued.json()["token"]}
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
    dates = billing_dates(today_in_montreal())
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
    # The payments app runs in the supervisor's `apps` process (with the web, identity and
    # subscriptions: deploy/embedded/apps.py); its CPU and RSS are that process's.
    payments = component(stack.honcho.pid, "apps")
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
    profile = CpuProfile(stack.honcho.pid) if args.profile else None
    if profile:
        profile.start()
    sampler.start()
    t0 = time.monotonic()
    starts = asyncio.create_task(start_many(n, args.start_concurrency, start_one, failures))

    async def done() -> int:
        return charges.final()

    wall, timeline = await follow("billing", n, done, t0, args.timeout, starts)
    cpu_profile = profile.stop(charges.final(), "subscription charged") if profile else None
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
        "gateway": charges.gateway_pace(args.gateway_rate),
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
        "cpu_profile": cpu_profile,
        "worker_rss_timeline": sampler.coarse_timeline(),
        "progress": timeline[:: max(1, len(timeline) // 60)],
    }
    charges.close()
    return result
