"""Import a returns file: every returned debit reverses its payment, in one transaction.

All or nothing: a line we cannot read, or an item that traces to no debit of ours, refuses the
whole file (422 naming the line) and the request's transaction writes nothing. Importing the
same bytes again changes nothing (`pad_return_files.sha256` is unique), nor does a debit
returned a second time by another file (`pad_returns.charge_id` is unique); the answer still
lists the file's returns, so the caller can tell the workflows again (they ignore a repeat).
"""

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit import pad_return_reasons as reasons
from services.payments.errors import ReturnItemUnknown, ReturnsFileInvalid, field_error
from services.payments.models import Charge, Invoice, LedgerEntry
from services.payments.returns import repository as repo
from services.payments.returns.cpa005_returns import (
    ReturnedDebit,
    ReturnsFormatError,
    parse_returns,
)
from services.payments.returns.models import PadReturn, ReturnFile
from services.payments.returns.schemas import ReturnedItemOut, ReturnsImportOut

MAX_BYTES = 5 * 1024 * 1024  # ~3,500 records of 1464 characters


def _text(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise field_error("file", "import_too_large")
    try:
        return content.decode("ascii")
    except UnicodeDecodeError as exc:
        raise field_error("file", "encoding_invalid") from exc


async def import_returns(
    session: AsyncSession, content: bytes, filename: str, imported_by: str
) -> ReturnsImportOut:
    """Apply the file's returned debits once; a repeat of the same bytes answers the first."""
    sha256 = hashlib.sha256(content).hexdigest()
    found = await repo.file_by_hash(session, sha256)
    if found is not None:
        return await _answer(session, found, duplicate=True, already=0)
    try:
        parsed = parse_returns(_text(content))
    except ReturnsFormatError as exc:
        raise ReturnsFileInvalid(line=exc.line, field=exc.field, problem=exc.problem) from exc
    traced = [(item, await _trace(session, item)) for item in parsed.items]
    row = ReturnFile(
        id=str(uuid.uuid4()),
        sha256=sha256,
        filename=filename[:200],
        items=len(traced),
        total_cents=sum(item.amount_cents for item in parsed.items),
        imported_by=imported_by,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # the same file, imported concurrently, committed first
        found = await repo.file_by_hash(session, sha256)
        assert found is not None
        return await _answer(session, found, duplicate=True, already=0)
    already = 0
    for item, (charge, invoice) in traced:
        if not await _return_once(session, row.id, item, charge, invoice):
            already += 1
    return await _answer(session, row, duplicate=False, already=already)


async def _trace(session: AsyncSession, item: ReturnedDebit) -> tuple[Charge, Invoice]:
    """The debit of ours this item sends back, or the whole file is refused."""
    found = await repo.traced_debit(session, item.cross_reference, item.due_date, item.amount_cents)
    if found is None:
        raise ReturnItemUnknown(
            line=item.line,
            segment=item.segment,
            trace_number=item.trace_number,
            cross_reference=item.cross_reference,
            due_date=item.due_date.isoformat(),
        )
    return found


async def _return_once(
    session: AsyncSession, file_id: str, item: ReturnedDebit, charge: Charge, invoice: Invoice
) -> bool:
    """Record the return and reverse its payment; False when this debit was returned before."""
    returned = PadReturn(
        id=str(uuid.uuid4()),
        file_id=file_id,
        charge_id=charge.id,
        invoice_id=invoice.id,
        account_id=charge.account_id,
        subscription_id=charge.subscription_id,
        payment_method_id=charge.payment_method_id,
        amount_cents=item.amount_cents,
        reason_code=item.reason_code,
        trace_number=item.trace_number,
        due_date=item.due_date,
        line=item.line,
        segment=item.segment,
    )
    try:
        async with session.begin_nested():
            session.add(returned)
            await session.flush()
            await _reverse(session, returned)
    except IntegrityError:  # `charge_id` is unique: this debit's return is already applied
        return False
    return True


async def _reverse(session: AsyncSession, returned: PadReturn) -> None:
    """The money did not come: the invoice is owed again and the ledger says so."""
    query = select(Invoice).where(Invoice.id == returned.invoice_id).with_for_update()
    invoice = (await session.scalars(query.execution_options(populate_existing=True))).one()
    if invoice.status == "paid":
        invoice.status, invoice.paid_at, invoice.receipt_number = "unpaid", None, None
    session.add(
        LedgerEntry(
            id=str(uuid.uuid4()),
            account_id=returned.account_id,
            kind="return",
            amount_cents=returned.amount_cents,
            invoice_id=returned.invoice_id,
        )
    )
    await session.flush()


async def _answer(
    session: AsyncSession, row: ReturnFile, *, duplicate: bool, already: int
) -> ReturnsImportOut:
    items = [item_out(r, i) for r, i in await repo.returns_of_file(session, row.id)]
    return ReturnsImportOut(
        file_id=row.id,
        filename=row.filename,
        duplicate=duplicate,
        items=items,
        total_cents=sum(i.amount_cents for i in items),
        already_returned=already,
    )


def item_out(returned: PadReturn, invoice: Invoice) -> ReturnedItemOut:
    """A return as the API answers it (and as its workflow is told)."""
    return ReturnedItemOut(
        id=returned.id,
        subscription_id=returned.subscription_id,
        account_id=returned.account_id,
        invoice_id=invoice.id,
        invoice_number=invoice.number,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        amount_cents=returned.amount_cents,
        reason_code=returned.reason_code,
        new_details_needed=reasons.needs_new_details(returned.reason_code),
        trace_number=returned.trace_number,
        due_date=returned.due_date,
        line=returned.line,
    )
