"""Replicas die and restart under a steady load of simulated users (tests/support/load.py):
nothing accepted is lost, each email leaves once, and the users see no failed page.

SIGKILL (a crash): a page request caught on the dying replica is retried by nginx on the other
(GET is idempotent); a sign-up (POST) caught in flight may fail, and is reported, never retried
by nginx. SIGTERM (a rolling restart): the replica stops accepting, finishes what it has, and no
request of any kind fails.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from servicekit.settings import PlatformSettings
from tests.support.disruptions import Window, kill_each, report, roll_all
from tests.support.load import (
    Account,
    Load,
    bearer,
    log_in,
    mail_to,
    open_accounts,
    verify,
)
from tests.support.topology import Topology
from tests.topology.test_sessions_and_plates import create_operator

USERS = 20
SUBSCRIBERS = 6
# Ten replicas restarted one after the other, each process booting on a shared CPU.
pytestmark = pytest.mark.timeout(420)


@pytest.fixture(scope="module")
async def accounts(topology: Topology) -> list[Account]:
    return await open_accounts(topology, USERS)


@pytest.fixture(scope="module")
async def operator(topology: Topology) -> dict[str, str]:
    return await create_operator(topology)


@pytest.fixture
async def load(
    topology: Topology, accounts: list[Account], operator: dict[str, str]
) -> AsyncIterator[Load]:
    running = Load(topology, accounts, PlatformSettings().service_token)
    # A few more people ask for a subscription meanwhile, each approved by the operator.
    running.subscribers, running.operator = await open_accounts(topology, SUBSCRIBERS), operator
    yield running
    running.stop()


async def under_load(load: Load, disrupt) -> list[Window]:  # type: ignore[no-untyped-def]
    runner = asyncio.create_task(load.run(signups_every=0.5))
    await asyncio.sleep(1.0)
    try:
        return await disrupt()  # type: ignore[no-any-return]
    finally:
        await asyncio.sleep(1.0)
        load.stop()
        await runner


async def every_sign_up_completes_once(
    topology: Topology, load: Load, temporal: WorkflowEnvironment
) -> None:
    """Each accepted sign-up got one verification email, and its registration lifecycle ends
    once the link is followed."""
    accepted = [email for email, status in load.signups.items() if status == 202]
    assert accepted
    at_once = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=topology.url("identity"), timeout=30.0) as identity:

        async def complete(email: str) -> None:
            async with at_once:
                await verify(topology, identity, email)
                account_id = (await log_in(identity, email))["account"]["id"]  # type: ignore[index]
            handle = temporal.client.get_workflow_handle(f"registration-{account_id}")
            for _ in range(300):
                if (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED:
                    return
                await asyncio.sleep(0.1)
            raise AssertionError(f"registration of {email} never completed")

        await asyncio.gather(*(complete(email) for email in accepted))
    for email in accepted:
        assert len(await mail_to(topology, email)) == 1, email


async def every_subscription_completes_once(topology: Topology, load: Load) -> None:
    """Each approved request becomes active and its contract arrives by email; no email to
    its subscriber was sent twice (the same Message-ID caught twice)."""
    assert load.subscribed
    async with httpx.AsyncClient(base_url=topology.url("subscriptions"), timeout=30.0) as http:
        for subscription_id, account in load.subscribed.items():
            url = f"/v1/operator/subscriptions/{subscription_id}"
            for _ in range(600):
                detail = (await http.get(url, headers=bearer(load.operator))).json()
                if detail["status"] == "active":
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{subscription_id} is still {detail['status']}")
            for _ in range(600):
                if any(m["Attachments"] for m in await mail_to(topology, account.email)):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"no contract email for {subscription_id}")
    await asyncio.sleep(2.0)  # a duplicate would come right after
    for account in load.subscribed.values():
        ids = [m["MessageID"] for m in await mail_to(topology, account.email)]
        assert len(ids) == len(set(ids)), ids


async def test_a_crash_of_one_replica_of_each_part_loses_nothing(
    topology: Topology, load: Load, temporal_env: WorkflowEnvironment
) -> None:
    windows = await under_load(load, lambda: kill_each(topology, load))
    print(
        f"\n{report(windows)}\nrequests: {len(load.outcomes)}, resent: {load.resent}, "
        f"subscriptions approved: {len(load.subscribed)}"
    )

    assert [w.action for w in windows if w.failed(idempotent=True)] == []
    await every_sign_up_completes_once(topology, load, temporal_env)
    await every_subscription_completes_once(topology, load)


async def test_a_rolling_restart_of_every_component_fails_no_request(
    topology: Topology, load: Load, temporal_env: WorkflowEnvironment
) -> None:
    windows = await under_load(load, lambda: roll_all(topology, load))
    print(
        f"\n{report(windows)}\nrequests: {len(load.outcomes)}, resent: {load.resent}, "
        f"subscriptions approved: {len(load.subscribed)}"
    )

    assert load.failures() == []
    await every_sign_up_completes_once(topology, load, temporal_env)
    await every_subscription_completes_once(topology, load)
