"""Telling an offering's waitlist workflow that a space may be free: signal-with-start, so the
workflow is started when it is not running (it ends when nobody waits) and signalled when it is.
Telling it twice is harmless: a round offers only the spaces that are free."""

import logging

from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.subscriptions.errors import WorkflowUnavailable
from services.subscriptions.lifecycle import Lifecycle
from workflows.waitlist.models import SpaceMayBeFree, WaitlistInput, workflow_id
from workflows.waitlist.workflows import WaitlistWorkflow

log = logging.getLogger(__name__)


async def tell(lifecycle: Lifecycle, offering_id: int) -> None:
    """Signal `waitlist-<offering id>`, starting it first if needed (503 while Temporal cannot
    be reached: the outbox entry stays for the relay)."""
    client = await lifecycle.client()
    try:
        await client.start_workflow(
            WaitlistWorkflow.run,
            WaitlistInput(offering_id=offering_id),
            id=workflow_id(offering_id),
            task_queue=lifecycle.task_queue,
            start_signal="space_may_be_free",
            start_signal_args=[SpaceMayBeFree(offering_id=offering_id)],
        )
    except WorkflowAlreadyStartedError:
        # Two signal-with-starts at the same moment: a server may answer the loser that the
        # workflow already runs (the time-skipping server does); then it is signalled.
        handle = client.get_workflow_handle(workflow_id(offering_id))
        await handle.signal("space_may_be_free", SpaceMayBeFree(offering_id=offering_id))
    except RPCError as exc:
        log.warning("could not tell the waitlist workflow: %s", exc.status)
        raise WorkflowUnavailable() from exc
