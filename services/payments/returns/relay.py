"""Telling each subscription's workflow that its debit came back (signal `pad_debit_returned`).

After the import's transaction committed. A workflow that cannot be told now (Temporal away) is
logged by ids only; importing the same file again tells it again (the answer of a repeat lists
the same returns), and the workflow ignores a return it has already seen.
"""

import logging

from temporalio.service import RPCError

from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.returns.schemas import ReturnedItemOut
from workflows.subscription.models import PadDebitReturned, workflow_id

log = logging.getLogger(__name__)
SIGNAL = "pad_debit_returned"


async def tell_workflows(temporal: ReceiptLifecycle, items: list[ReturnedItemOut]) -> int:
    """Signal each returned debit's subscription workflow; how many were told."""
    told = 0
    for item in items:
        try:
            client = await temporal.client()
            handle = client.get_workflow_handle(workflow_id(item.subscription_id))
            await handle.signal(SIGNAL, _signal(item))
            told += 1
        except (RPCError, RuntimeError, OSError, TimeoutError) as exc:
            log.warning("return %s not told to its workflow: %s", item.id, type(exc).__name__)
    return told


def _signal(item: ReturnedItemOut) -> PadDebitReturned:
    return PadDebitReturned(
        return_id=item.id,
        invoice_id=item.invoice_id,
        period_start=item.period_start,
        period_end=item.period_end,
        amount_cents=item.amount_cents,
        reason_code=item.reason_code,
        new_details_needed=item.new_details_needed,
    )
