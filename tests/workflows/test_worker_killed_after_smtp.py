"""A worker process killed after SMTP accepted an email, before Temporal heard the activity
complete: the retry on another worker does not send it again.

Real parts: two `python -m workflows.worker` processes, the session's Temporal dev server and
its real SMTP server (the mail catcher's aiosmtpd). The first worker runs with the crash point
`after-smtp-accepted`: it hands the message to SMTP, gets the 250, records it in the sent-mail
ledger and SIGKILLs itself before reporting. The activity is retried on the second worker once
its heartbeat stops (not after its whole start-to-close timeout); the ledger says the
Message-ID was sent, so the SMTP server holds it once.

The email is the service centre's note about a modification request: the one subscription email
that needs no other service, so only the worker and SMTP are real processes here.
"""

import asyncio
import signal
import uuid
from datetime import date

from temporalio.api.enums.v1 import EventType, TimeoutType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from servicekit.faults import FAULT_POINT
from tests.support.actors import signed
from tests.support.mail import SmtpServer
from tests.workflows.helpers import start_worker_process
from workflows.emails.delivery import AFTER_SMTP_ACCEPTED
from workflows.subscription.models import (
    CarriedState,
    ModificationRequest,
    SubscriptionInput,
    workflow_id,
)
from workflows.subscription.settings import WorkflowSettings
from workflows.subscription.workflows import SubscriptionWorkflow

ACTIVITY = "subscription_email_service_centre"


async def completed_email_events(env: WorkflowEnvironment, handle: WorkflowHandle) -> list:
    """The history's events of the email activity once it completed (waits up to 60 s)."""
    for _ in range(600):
        events = [e async for e in handle.fetch_history_events()]
        if any(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED for e in events):
            return events
        await asyncio.sleep(0.1)
    raise AssertionError("the email activity never completed")


def started_attempts(events: list[HistoryEvent]) -> list[HistoryEvent]:
    return [e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED]


async def test_an_email_accepted_by_smtp_before_the_worker_died_is_not_sent_again(
    temporal_env: WorkflowEnvironment, smtp: SmtpServer
) -> None:
    env = temporal_env
    queue = f"killed-after-smtp-{uuid.uuid4()}"
    smtp_env = {"SMTP_PORT": str(smtp.port), "SMTP_HOST": "127.0.0.1"}
    centre = f"centre-{uuid.uuid4().hex[:10]}@example.org"
    smtp_env["WORKFLOWS_SERVICE_CENTRE_EMAIL"] = centre
    assert WorkflowSettings().service_centre_email != centre
    first = await start_worker_process(env, queue, **smtp_env, **{FAULT_POINT: AFTER_SMTP_ACCEPTED})
    second = None
    subscription_id = str(uuid.uuid4())
    try:
        handle = await env.client.start_workflow(
            SubscriptionWorkflow.run,
            SubscriptionInput(
                subscription_id=subscription_id,
                contract_number="10482213",
                site_id=1534,
                offering_id=7118,
                carried_state=CarriedState(status="active", start_date=date(2026, 1, 1)),
            ),
            id=workflow_id(subscription_id),
            task_queue=queue,
        )
        request = ModificationRequest(modification_id=str(uuid.uuid4()))
        request = await signed(env, handle, request, "request_modification", "user", "acct")
        await handle.execute_update(SubscriptionWorkflow.request_modification, request)

        assert await asyncio.wait_for(first.wait(), timeout=60) == -signal.SIGKILL
        [accepted] = await smtp.wait_for(centre)  # SMTP took it before the worker died

        second = await start_worker_process(env, queue, **smtp_env)
        events = await completed_email_events(env, handle)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=40)

    retried = started_attempts(events)[-1].activity_task_started_event_attributes
    assert retried.attempt == 2
    # The dead worker was noticed by its missing heartbeat, not the 60 s start-to-close timeout.
    timeout = retried.last_failure.timeout_failure_info.timeout_type
    assert timeout == TimeoutType.TIMEOUT_TYPE_HEARTBEAT
    assert [m.id for m in await smtp.wait_for(centre)] == [accepted.id]
    await handle.terminate("test over")
