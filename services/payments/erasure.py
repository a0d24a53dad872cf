"""Erasing a deleted account's data in payments (asked by the erasure workflow). Never commits.

Erased: on every payment method of the account (live or removed earlier), the holder's name,
the card's token, brand, last 4 digits and expiry, the bank's institution, transit, sealed
account number and last 4 digits, and the cheque specimen file. The method rows stay, emptied
and marked deleted, because charges refer to them. Kept, anonymised: invoices and receipts,
charges, the ledger and adjustments, which Québec tax law requires (docs/privacy.md), without
the card or account digits that invoices showed.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.erasure import ErasureReport
from services.payments import specimens
from services.payments.models import Invoice, PaymentMethod

ERASED = ""  # the holder's name cannot be NULL: an empty one says nothing of the person


async def erase(session: AsyncSession, specimen_dir: str, account_id: str) -> ErasureReport:
    """Erase the methods' personal data and specimen files, anonymise the invoices; a repeat
    finds nothing more to do."""
    rows = await _methods_holding_data(session, account_id)
    files = [row.specimen_file for row in rows if row.specimen_file]
    now = utcnow()
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
