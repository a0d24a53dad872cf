"""Erasing a deleted account's data in payments (asked by the erasure workflow). Never commits.

Erased: on every payment method of the account (live or removed earlier), the holder's name,
the card's token, brand, last 4 digits and expiry, the bank's institution, transit, sealed
account number and last 4 digits, and the cheque specimen file. The method rows stay, emptied
and marked deleted, because charges refer to them. Kept, anonymised: invoices and receipts,
charges, the ledger and adjustments, which Québec tax law requires (docs/privacy.md), without
the card or account digits that invoices showed.

A pre-authorized debit charged in the last two days may not be in the nightly CPA-005 file yet,
and that file needs the bank account: until it is, nothing is erased and the caller is told when
to ask again (the erasure workflow waits that long).
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.erasure import ErasureReport
from services.payments import specimens
from services.payments.errors import Conflict
from services.payments.models import Charge, Invoice, PaymentMethod

ERASED = ""  # the holder's name cannot be NULL: an empty one says nothing of the person
# The export of day D runs at 01:00 Montréal on D+1 (`export-cpa005-nightly`): two days after a
# debit, its file has been written, with a day to spare for a failed run to be run again.
EXPORT_WAIT = timedelta(days=2)


class ErasureDeferred(Conflict):
    """A debit of the account still has to reach the bank's file: erasure must wait."""

    code = "erasure_deferred"


async def erase(session: AsyncSession, specimen_dir: str, account_id: str) -> ErasureReport:
    """Erase the methods' personal data and specimen files, anonymise the invoices; a repeat
    finds nothing more to do."""
    now = utcnow()
    last_debit = await _last_debit_awaiting_export(session, account_id, now - EXPORT_WAIT)
    if last_debit is not None:
        wait = last_debit + EXPORT_WAIT - now
        raise ErasureDeferred(retry_after_seconds=max(int(wait.total_seconds()) + 1, 1))
    rows = await _methods_holding_data(session, account_id)
    files = [row.specimen_file for row in rows if row.specimen_file]
    for row in rows:
        _empty(row, now)
    result = await session.execute(
        update(Invoice)
        .where(Invoice.account_id == account_id, Invoice.method_last4.is_not(None))
        .values(method_last4=None)
    )
    await session.flush()
    # Deleted before the commit: if it then fails, the retry finds the rows unchanged and the
    # files already gone, which `delete` accepts.
    for name in files:
        await asyncio.to_thread(specimens.delete, specimen_dir, name)
    return ErasureReport(
        service="payments",
        erased={"payment_methods": len(rows), "cheque_specimens": len(files)},
        anonymised={"invoices": int(result.rowcount)},  # type: ignore[attr-defined]
        erased_at=now,
    )


async def _last_debit_awaiting_export(
    session: AsyncSession, account_id: str, since: datetime
) -> datetime | None:
    """When the account's latest PAD debit that the nightly export may still need was made."""
    query = (
        select(func.max(Charge.completed_at))
        .join(PaymentMethod, PaymentMethod.id == Charge.payment_method_id)
        .where(
            PaymentMethod.account_id == account_id,
            PaymentMethod.kind == "pad",
            Charge.status == "paid",
            Charge.settled_before.is_(False),
            Charge.amount_cents > 0,
            Charge.completed_at >= since,
        )
    )
    return await session.scalar(query)


async def _methods_holding_data(session: AsyncSession, account_id: str) -> Sequence[PaymentMethod]:
    query = select(PaymentMethod).where(
        PaymentMethod.account_id == account_id,
        (PaymentMethod.holder_name != ERASED)
        | PaymentMethod.deleted_at.is_(None)
        | PaymentMethod.specimen_file.is_not(None)
        | PaymentMethod.institution.is_not(None)
        | PaymentMethod.last4.is_not(None),
    )
    return (await session.scalars(query)).all()


def _empty(row: PaymentMethod, now: datetime) -> None:
    row.holder_name = ERASED
    row.gateway_token = row.brand = row.last4 = None
    row.exp_month = row.exp_year = None
    row.institution = row.transit = None
    row.account_number_encrypted = row.account_last4 = None
    row.specimen_file = row.specimen_media_type = None
    row.deleted_at = row.deleted_at or now
    row.updated_at = now
