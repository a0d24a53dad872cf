"""Telling each subscription's workflow that its debit came back (signal `pad_debit_returned`).

After the import's transaction committed; each return told is marked (`pad_returns.told_at`,
the outbox mark), so a return whose workflow could not be told (Temporal away) is told by the
next pickup run (`tell_untold`). A workflow ignores a return id it has seen, so telling twice is
harmless. Logs carry ids only.
"""

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.service import RPCError, RPCStatusCode

from servicekit.db import transaction, utcnow
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.returns import repository as repo
from services.payments.returns.schemas import ReturnedItemOut
from services.payments.returns.service import item_out
from workflows.subscription.models import PadDebitReturned, workflow_id

log = logging.getLogger(__name__)
SIGNAL = "pad_debit_returned"
Sessions = async_sessionmaker[AsyncSession]


async def tell_workflows(
    temporal: ReceiptLifecycle, sessions: Sessions, items: list[ReturnedItemOut]
) -> int:
    """Signal each returned debit's subscription workflow (the app's lazy Temporal connection,
    held by the claim receipts' lifecycle) and mark it told; how many were told."""
    told = 0
    for item in items:
        try:
            client = await temporal.client()
            handle = client.get_workflow_handle(workflow_id(item.subscription_id))
            await handle.signal(SIGNAL, _signal(item))
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                log.warning("return %s not told to its workflow: %s", item.id, exc.status)
                continue
            # The subscription's workflow has finished: nothing to tell; the balance stands.
            log.warning("return %s: its workflow has finished", item.id)
        except (RuntimeError, OSError, TimeoutError) as exc:  # connecting failed
            log.warning("return %s not told to its workflow: %s", item.id, type(exc).__name__)
            continue
        async with transaction(sessions) as session:
            await repo.mark_told(session, item.id, utcnow())
        told += 1
    return told


async def tell_untold(temporal: ReceiptLifecycle, sessions: Sessions) -> int:
    """Tell the workflows of every return not told yet (Temporal was away at its import)."""
    async with transaction(sessions) as session:
        items = [item_out(r, i) for r, i in await repo.untold_returns(session)]
    return await tell_workflows(temporal, sessions, items)


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
