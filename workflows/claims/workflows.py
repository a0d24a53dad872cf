"""Claim notices: the receipt email of a paid notice."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.claims.activities import ClaimActivities
    from workflows.claims.models import WORKFLOW_NAME, ClaimReceiptInput, ClaimReceiptResult
    from workflows.retries import EMAIL_RETRY, HEARTBEAT_TIMEOUT

# No maximum_attempts: while SMTP or payments is down the email waits, retried every 10 s at
# most; the sent-mail ledger skips a retry SMTP already accepted. A 404 (no such receipt) is final.
SEND_TIMEOUT = timedelta(seconds=60)


@workflow.defn(name=WORKFLOW_NAME)
class ClaimReceiptWorkflow:
    """Id `claim-receipt-<receipt id>`: email the receipt once (nothing when no address)."""

    @workflow.run
    async def run(self, input: ClaimReceiptInput) -> ClaimReceiptResult:
        return await workflow.execute_activity_method(
            ClaimActivities.send_receipt,
            input,
            start_to_close_timeout=SEND_TIMEOUT,
            retry_policy=EMAIL_RETRY,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )
