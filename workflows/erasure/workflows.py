"""`erasure-<account id>`: every service erases or anonymises the deleted account's data, each
asked again until it has answered, then identity keeps their reports as the proof."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from servicekit.erasure import SERVICES, ErasureReport
    from workflows.erasure.activities import ErasureActivities
    from workflows.erasure.models import (
        WORKFLOW_NAME,
        ErasureInput,
        ErasureProofs,
        ErasureResult,
        ErasureStep,
    )

# No maximum_attempts: erasure is owed, so a service that is down is asked again until it
# answers; every 30 s at most, so it follows the service's recovery, not a long backoff.
CALL_TIMEOUT = timedelta(seconds=60)
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)


@workflow.defn(name=WORKFLOW_NAME)
class ErasureWorkflow:
    """Identity erases its own data in the deletion request, just after starting this; it is
    asked again here (idempotent), in case that transaction failed after the start."""

    @workflow.run
    async def run(self, input: ErasureInput) -> ErasureResult:
        reports = await asyncio.gather(*(self._erase(input.account_id, s) for s in SERVICES))
        await workflow.execute_activity_method(
            ErasureActivities.record_proofs,
            ErasureProofs(account_id=input.account_id, reports=list(reports)),
            start_to_close_timeout=CALL_TIMEOUT,
            retry_policy=RETRY,
        )
        return ErasureResult(reports=list(reports))

    async def _erase(self, account_id: str, service: str) -> ErasureReport:
        return await workflow.execute_activity_method(
            ErasureActivities.erase,
            ErasureStep(account_id=account_id, service=service),
            start_to_close_timeout=CALL_TIMEOUT,
            retry_policy=RETRY,
        )
