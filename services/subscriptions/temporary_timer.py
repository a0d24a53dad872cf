"""The temporary vehicle's end timer in Temporal: started through the lifecycle outbox (the row
and its entry are committed together), told of an early removal by a signal.

Starting twice is harmless: a running timer is kept (`USE_EXISTING`), a finished one is not
started again (`REJECT_DUPLICATE`). A removal the timer does not hear of (Temporal away) costs
nothing: at the end it finds the vehicle removed and changes nothing.
"""

import logging

from temporalio.client import WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.subscriptions.errors import WorkflowUnavailable
from services.subscriptions.lifecycle import Lifecycle
from services.subscriptions.models import TemporaryVehicle
from workflows.temporary_vehicle.models import (
    TemporaryVehicleInput,
    TemporaryVehicleRemoved,
    TemporaryVehicleResult,
    workflow_id,
)
from workflows.temporary_vehicle.workflows import TemporaryVehicleWorkflow

log = logging.getLogger(__name__)


def timer_input(vehicle: TemporaryVehicle) -> TemporaryVehicleInput:
    """The timer's start: ids and the last day only (no plate)."""
    return TemporaryVehicleInput(
        temporary_vehicle_id=vehicle.id,
        subscription_id=vehicle.subscription_id,
        end_date=vehicle.end_date,
    )


async def start(lifecycle: Lifecycle, data: TemporaryVehicleInput) -> None:
    """Start the end timer (503 `WorkflowUnavailable` while Temporal cannot be reached)."""
    client = await lifecycle.client()
    try:
        await client.start_workflow(
            TemporaryVehicleWorkflow.run,
            data,
            id=workflow_id(data.temporary_vehicle_id),
            task_queue=lifecycle.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        return  # it already ran to its end: nothing to start again
    except RPCError as exc:
        log.warning("could not start a temporary vehicle's timer: %s", exc.status)
        raise WorkflowUnavailable() from exc


async def tell_removed(lifecycle: Lifecycle, vehicle_id: str) -> None:
    """Let the timer finish now; when it cannot be told, it finishes on its date anyway."""
    try:
        client = await lifecycle.client()
        handle: WorkflowHandle[TemporaryVehicleWorkflow, TemporaryVehicleResult] = (
            client.get_workflow_handle_for(TemporaryVehicleWorkflow.run, workflow_id(vehicle_id))
        )
        removal = TemporaryVehicleRemoved(temporary_vehicle_id=vehicle_id)
        await handle.signal(TemporaryVehicleWorkflow.removed_early, removal)
    except (WorkflowUnavailable, RPCError) as exc:
        log.info("temporary vehicle timer not told of its removal: %s", type(exc).__name__)
