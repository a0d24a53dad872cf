"""`temporary-vehicle-<id>`: waits until the temporary vehicle's last day is over (midnight in
Montréal after its end date), then has the subscriptions service mark it `ended`.

The plate check does not depend on this timer: the index keeps each temporary vehicle's dates
and refuses its plate outside them even while the timer is late (a worker down). The timer is
the durable cleanup: the row leaves the active list and the index is rebuilt. Its owner's early
removal signals it, and it ends without calling anything.

Workflow code (it runs inside the sandbox): only the standard library and temporalio at top
level, the rest passed through.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.retries import HEARTBEAT_TIMEOUT, SERVICE_RETRY
    from workflows.subscription.calendar import start_of_day
    from workflows.temporary_vehicle.activities import TemporaryVehicleActivities
    from workflows.temporary_vehicle.models import (
        TemporaryVehicleInput,
        TemporaryVehicleRef,
        TemporaryVehicleRemoved,
        TemporaryVehicleResult,
    )


@workflow.defn
class TemporaryVehicleWorkflow:
    """One temporary vehicle's end timer."""

    def __init__(self) -> None:
        self.removed = False

    @workflow.run
    async def run(self, input: TemporaryVehicleInput) -> TemporaryVehicleResult:
        ends_at = start_of_day(input.end_date + timedelta(days=1))
        remaining = ends_at - workflow.now()
        if remaining > timedelta(0):
            try:
                await workflow.wait_condition(lambda: self.removed, timeout=remaining)
            except TimeoutError:  # asyncio.TimeoutError is TimeoutError since 3.11
                pass
        if self.removed:
            return TemporaryVehicleResult(
                temporary_vehicle_id=input.temporary_vehicle_id, outcome="removed"
            )
        return await workflow.execute_activity_method(
            TemporaryVehicleActivities.end,
            TemporaryVehicleRef(temporary_vehicle_id=input.temporary_vehicle_id),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=SERVICE_RETRY,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )

    @workflow.signal
    def removed_early(self, removal: TemporaryVehicleRemoved) -> None:
        """Its owner removed it before its last day: nothing left to end."""
        self.removed = True
