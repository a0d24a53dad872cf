"""RegistrationWorkflow and AccountEmailWorkflow on the time-skipping server.

The activities are replaced by functions registered under the real activity names; a dict of
account id -> verified stands for identity's database, so a test can verify an account
"in the database" without signalling the workflow.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.temporal import ACCOUNT_ID, REGISTRATION_STATUS
from tests.workflows.helpers import eventually
from tests.workflows.helpers import running_worker as shared_worker
from workflows.registration.models import (
    AccountEmailInput,
    AccountEmailResult,
    ExpireInput,
    ExpireResult,
    RegistrationInput,
    RegistrationStatus,
)
from workflows.registration.workflows import (
    MAX_RESENDS,
    AccountEmailWorkflow,
    RegistrationWorkflow,
)

SEVEN_DAYS = timedelta(days=7)


@dataclass
class FakeIdentity:
    """Identity's database (account id -> verified) and what the activities were asked to do."""

    accounts: dict[str, bool] = field(default_factory=dict)
    emails: list[AccountEmailInput] = field(default_factory=list)
    expirations: list[tuple[str, datetime]] = field(default_factory=list)

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="send_account_email")
        async def send_account_email(input: AccountEmailInput) -> AccountEmailResult:
            if input.account_id not in self.accounts:
                return AccountEmailResult(outcome="account_not_found")
            if input.kind == "verify_email" and self.accounts[input.account_id]:
                return AccountEmailResult(outcome="already_verified")
            self.emails.append(input)
            return AccountEmailResult(outcome="sent")

        @activity.defn(name="expire_unverified_account")
        async def expire_unverified_account(input: ExpireInput) -> ExpireResult:
            scheduled = activity.info().current_attempt_scheduled_time
            self.expirations.append((input.account_id, scheduled))
            if self.accounts.get(input.account_id, True):
                return ExpireResult(expired=False)  # verified (or already gone): never deleted
            del self.accounts[input.account_id]
            return ExpireResult(expired=True)

        return [send_account_email, expire_unverified_account]

    def keys_for(self, account_id: str) -> list[str]:
        return [e.key for e in self.emails if e.account_id == account_id]


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment, identity: FakeIdentity, task_queue: str, **options: Any
) -> AsyncIterator[Worker]:
    async with shared_worker(env, identity.activities(), task_queue, **options) as worker:
        yield worker


async def start_registration(
    env: WorkflowEnvironment, identity: FakeIdentity, task_queue: str, **kwargs: Any
) -> tuple[str, WorkflowHandle[RegistrationWorkflow, RegistrationStatus]]:
    account_id = str(uuid.uuid4())
    identity.accounts[account_id] = False
    handle = await env.client.start_workflow(
        RegistrationWorkflow.run,
        RegistrationInput(account_id=account_id, **kwargs),
        id=f"registration-{account_id}",
        task_queue=task_queue,
    )
    return account_id, handle


def key(handle: WorkflowHandle[Any, Any], n: int) -> str:
    return f"{handle.id}:{handle.first_execution_run_id}:verify:{n}"


def new_queue() -> str:
    return f"registration-tests-{uuid.uuid4()}"


async def search_status(handle: WorkflowHandle[Any, Any]) -> tuple[str | None, str | None]:
    described = await handle.describe()
    attributes = described.typed_search_attributes
    return attributes.get(ACCOUNT_ID), attributes.get(REGISTRATION_STATUS)


async def test_verification_signal_completes_the_registration(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        pending = await handle.query(RegistrationWorkflow.status)
        assert pending.status == "pending"
        assert await search_status(handle) == (account_id, "pending")

        identity.accounts[account_id] = True
        await handle.signal(RegistrationWorkflow.email_verified)
        result = await handle.result()

    assert result.status == "verified"
    assert identity.emails == [
        AccountEmailInput(
            account_id=account_id,
            kind="verify_email",
            key=key(handle, 0),
        )
    ]
    assert identity.expirations == []
    assert await search_status(handle) == (account_id, "verified")


async def test_resend_sends_a_new_link_under_a_new_key(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        await handle.signal(RegistrationWorkflow.resend_requested)
        await eventually(lambda: len(identity.emails) == 2)
        assert (await handle.query(RegistrationWorkflow.status)).emails_sent == 2

        identity.accounts[account_id] = True
        await handle.signal(RegistrationWorkflow.email_verified)
        result = await handle.result()

    assert result.status == "verified"
    assert identity.keys_for(account_id) == [key(handle, 0), key(handle, 1)]


async def test_unverified_account_expires_after_seven_days(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(env, identity, queue)
        result = await handle.result()  # skips the seven days
        started = (await handle.describe()).start_time

    assert result.status == "expired"
    assert account_id not in identity.accounts
    assert len(identity.emails) == 1
    [(expired_id, expired_at)] = identity.expirations
    assert expired_id == account_id
    assert SEVEN_DAYS <= expired_at - started < SEVEN_DAYS + timedelta(minutes=1)
    assert result.expires_at == started + SEVEN_DAYS
    assert await search_status(handle) == (account_id, "expired")


async def test_resends_do_not_push_the_deadline(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        _, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        await env.sleep(timedelta(days=5))
        await handle.signal(RegistrationWorkflow.resend_requested)
        await eventually(lambda: len(identity.emails) == 2)
        result = await handle.result()
        started = (await handle.describe()).start_time

    assert result.status == "expired"
    [(_, expired_at)] = identity.expirations
    assert expired_at - started < SEVEN_DAYS + timedelta(minutes=1)


async def test_verified_in_database_with_lost_signal_is_not_expired(
    env: WorkflowEnvironment,
) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        identity.accounts[account_id] = True  # verified, but the signal never arrives
        result = await handle.result()

    assert [account for account, _ in identity.expirations] == [account_id]
    assert result.status == "verified"
    assert identity.accounts[account_id] is True
    assert await search_status(handle) == (account_id, "verified")


async def test_worker_restart_sends_no_duplicate_email(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    # The time-skipping server never moves a task off a stopped worker's sticky queue (a real
    # server does after 10 s), so the first worker keeps no cache and takes no sticky queue.
    async with running_worker(env, identity, queue, max_cached_workflows=0):
        account_id, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)

    # No worker now: the resend waits in history until a new worker replays and acts on it.
    await handle.signal(RegistrationWorkflow.resend_requested)
    async with running_worker(env, identity, queue):
        await eventually(lambda: len(identity.emails) == 2, timeout=30)
        identity.accounts[account_id] = True
        await handle.signal(RegistrationWorkflow.email_verified)
        result = await handle.result()

    assert result.status == "verified"
    assert identity.keys_for(account_id) == [key(handle, 0), key(handle, 1)]


async def test_a_restarted_registration_never_reuses_a_key(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, first = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        await first.terminate("operator")  # identity starts it again on the next resend
        again = await env.client.start_workflow(
            RegistrationWorkflow.run,
            RegistrationInput(account_id=account_id),
            id=first.id,
            task_queue=queue,
        )
        await eventually(lambda: len(identity.emails) == 2)
        await again.signal(RegistrationWorkflow.email_verified)
        await again.result()

    [old, new] = identity.keys_for(account_id)
    assert old != new
    assert new == key(again, 0)


async def test_a_continued_registration_keeps_its_count_and_deadline(
    env: WorkflowEnvironment,
) -> None:
    identity, queue = FakeIdentity(), new_queue()
    deadline = await env.get_current_time() + timedelta(days=2)
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(
            env, identity, queue, carried_deadline=deadline, carried_emails_sent=3
        )
        await handle.signal(RegistrationWorkflow.resend_requested)
        await eventually(lambda: len(identity.emails) == 1)  # the resend only, no new first email
        result = await handle.result()

    assert identity.keys_for(account_id) == [key(handle, 3)]
    assert result.status == "expired"
    assert result.expires_at == deadline
    [(_, expired_at)] = identity.expirations
    assert deadline <= expired_at < deadline + timedelta(minutes=1)


async def test_resends_stop_at_the_cap(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        for sent in range(2, MAX_RESENDS + 2):
            await handle.signal(RegistrationWorkflow.resend_requested)
            await eventually(lambda n=sent: len(identity.emails) == n)  # type: ignore[misc]

        await handle.signal(RegistrationWorkflow.resend_requested)
        await asyncio.sleep(0.5)
        assert (await handle.query(RegistrationWorkflow.status)).emails_sent == MAX_RESENDS + 1
        result = await handle.result()

    assert len(identity.emails) == MAX_RESENDS + 1
    assert len(set(identity.keys_for(account_id))) == MAX_RESENDS + 1
    assert result.status == "expired"


async def test_resend_finding_the_account_verified_ends_verified(
    env: WorkflowEnvironment,
) -> None:
    identity, queue = FakeIdentity(), new_queue()
    async with running_worker(env, identity, queue):
        account_id, handle = await start_registration(env, identity, queue)
        await eventually(lambda: len(identity.emails) == 1)
        identity.accounts[account_id] = True  # verified, signal lost; then a stale resend
        await handle.signal(RegistrationWorkflow.resend_requested)
        result = await handle.result()

    assert result.status == "verified"
    assert identity.expirations == []
    assert len(identity.emails) == 1


async def test_registration_of_a_missing_account_ends_without_expiry(
    env: WorkflowEnvironment,
) -> None:
    identity, queue = FakeIdentity(), new_queue()  # the signup never committed: no account
    ghost = str(uuid.uuid4())
    async with running_worker(env, identity, queue):
        handle = await env.client.start_workflow(
            RegistrationWorkflow.run,
            RegistrationInput(account_id=ghost),
            id=f"registration-{ghost}",
            task_queue=queue,
        )
        result = await handle.result()

    assert result.status == "expired"
    assert identity.emails == []
    assert identity.expirations == []


async def test_account_email_workflow_sends_once(env: WorkflowEnvironment) -> None:
    identity, queue = FakeIdentity(), new_queue()
    account_id = str(uuid.uuid4())
    identity.accounts[account_id] = True
    workflow_id = f"account-email-{account_id}-{uuid.uuid4()}"
    email = AccountEmailInput(
        account_id=account_id, kind="password_reset", key=f"{workflow_id}:password_reset"
    )
    async with running_worker(env, identity, queue):
        result = await env.client.execute_workflow(
            AccountEmailWorkflow.run, email, id=workflow_id, task_queue=queue
        )

    assert result.outcome == "sent"
    assert identity.emails == [email]
