"""Subscriptions' side of the subscription lifecycle: it starts the workflow, sends updates
and signals.

The workflow decides and waits; it writes every state change back through the internal
transitions endpoint, so the database stays the source of truth.
"""

import logging

from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from servicekit.errors import DomainError
from servicekit.temporal import ClientFactory, LazyClient
from services.subscriptions.errors import (
    WORKFLOW_CODES,
    WORKFLOW_FIELD_CODES,
    InvalidTransition,
    WorkflowNotFound,
    WorkflowUnavailable,
    field_error,
)
from workflows.subscription.models import WORKFLOW_NAME, LifecycleState, SubscriptionInput
from workflows.subscription.models import workflow_id as workflow_id_of

log = logging.getLogger(__name__)


class Lifecycle:
    """Starts `SubscriptionWorkflow`, runs its updates and sends its signals; errors come back
    as domain errors."""

    def __init__(self, client: Client | ClientFactory, task_queue: str) -> None:
        self._temporal = LazyClient(client)
        self.task_queue = task_queue

    async def client(self) -> Client:
        """The Temporal client, connected on first use (503 while the server cannot be reached)."""
        try:
            return await self._temporal.get()
        except (RuntimeError, OSError) as exc:
            log.warning("Temporal unreachable: %s", exc)
            raise WorkflowUnavailable() from exc

    async def start(self, data: SubscriptionInput) -> None:
        """Start the subscription's lifecycle (a second start is harmless)."""
        client = await self.client()
        try:
            await client.start_workflow(
                WORKFLOW_NAME,
                data,
                id=workflow_id_of(data.subscription_id),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        except RPCError as exc:
            log.warning("could not start subscription workflow: %s", exc.status)
            raise WorkflowUnavailable() from exc

    async def update(
        self, subscription_id: str, name: str, arg: BaseModel, update_id: str | None = None
    ) -> LifecycleState:
        """Run one update and wait for its outcome; a refusal becomes the matching error.

        The same `update_id` sent again while the run is open answers the first outcome.
        """
        client = await self.client()
        handle = client.get_workflow_handle(workflow_id_of(subscription_id))
        try:
            state: LifecycleState = await handle.execute_update(
                name, arg, id=update_id, result_type=LifecycleState
            )
        except WorkflowUpdateFailedError as exc:
            raise _refusal(exc) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:  # over, or never started: callers decide
                raise WorkflowNotFound() from exc
            log.warning("update %s not delivered: %s", name, exc.status)
            raise WorkflowUnavailable() from exc
        if state.error:
            raise error_for_code(state.error)
        return state

    async def signal(self, subscription_id: str, name: str, arg: BaseModel) -> None:
        """Tell the workflow a fact it acts on in its own time (nothing to wait for)."""
        client = await self.client()
        handle = client.get_workflow_handle(workflow_id_of(subscription_id))
        try:
            await handle.signal(name, arg)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:  # over, or never started: callers decide
                raise WorkflowNotFound() from exc
            log.warning("signal %s not delivered: %s", name, exc.status)
            raise WorkflowUnavailable() from exc


def _refusal(exc: WorkflowUpdateFailedError) -> DomainError:
    cause: BaseException | None = exc.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__
    if isinstance(cause, ApplicationError) and cause.type:
        return error_for_code(cause.type)
    log.warning("update failed without a code: %s", exc.cause)
    return InvalidTransition()


def error_for_code(code: str) -> DomainError:
    """The domain error for a code the workflow or its activities reported."""
    if code in WORKFLOW_FIELD_CODES:
        return field_error(WORKFLOW_FIELD_CODES[code], code)
    return WORKFLOW_CODES.get(code, InvalidTransition)()
