"""Claim notices: the receipt email of a paid notice."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.claims.activities import ClaimActivities
    from workflows.claims.models import WORKFLOW_NAME, ClaimReceiptInput, ClaimReceiptResult

# No maximum_attempts: while SMTP or payments is down the email waits, retried every 10 minutes
# at most; the Message-ID stays the same across retries. A 404 (no such receipt) is final.
SEND_TIMEOUT = timedelta(seconds=60)
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
)


@workflow.defn(name=WORKFLOW_NAME)
class ClaimReceiptWorkflow:
    """Id `claim-receipt-<receipt id>`: email the receipt once (nothing when no address)."""

    @workflow.run
    async def run(self, input: ClaimReceiptInput) -> ClaimReceiptResult:
        return await workflow.execute_activity_method(
            ClaimActivities.send_receipt,
            input,
            start_to_close_timeout=SEND_TIMEOUT,
            retry_policy=SEND_RETRY,
        )
