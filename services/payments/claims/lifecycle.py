"""Payments' side of the claim receipt email: it starts `ClaimReceiptWorkflow` once a payment is
committed.

The payment never depends on it: the card is already charged and the receipt stored, so when
Temporal cannot be reached the failure is logged (with the receipt id, never the address) and
the payer still gets the receipt page, whose PDF stays downloadable.
"""

import logging
from datetime import timedelta

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from servicekit.temporal import ClientFactory, LazyClient
from workflows.claims.models import WORKFLOW_NAME, ClaimReceiptInput, Language, workflow_id

log = logging.getLogger(__name__)

# The payer is waiting on the receipt page: never hold them long for an email.
START_TIMEOUT = timedelta(seconds=5)


class ReceiptLifecycle:
    """Starts the receipt email of a paid notice; Temporal is connected on first use."""

    def __init__(self, client: Client | ClientFactory, task_queue: str) -> None:
        self._temporal = LazyClient(client)
        self.task_queue = task_queue

    async def client(self) -> Client:
        """The Temporal client, connected on first use (a failure is retried on the next use)."""
        return await self._temporal.get()

    async def email_receipt(self, receipt_id: str, language: Language) -> bool:
        """Start the receipt email (a second start is harmless); False when Temporal failed."""
        try:
            client = await self.client()
            await client.start_workflow(
                WORKFLOW_NAME,
                ClaimReceiptInput(receipt_id=receipt_id, language=language),
                id=workflow_id(receipt_id),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                rpc_timeout=START_TIMEOUT,
            )
        except RPCError as exc:
            _not_started(receipt_id, str(exc.status))
            return False
        except (RuntimeError, OSError, TimeoutError) as exc:  # connecting failed
            _not_started(receipt_id, type(exc).__name__)
            return False
        return True


def _not_started(receipt_id: str, reason: str) -> None:
    # The receipt id and a status only: the address must never reach a log (RULES.md).
    log.warning("claim receipt email not started (receipt %s): %s", receipt_id, reason)
