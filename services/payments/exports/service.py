"""The export jobs: the day's PAD debits as a CPA-005 file, the month's payroll deductions as CSVs.

Each job reads the rows, builds the text with the pure writers next to this module, and writes
it under `PAYMENTS_EXPORT_DIR` atomically (a temporary file renamed over the old one), so a
reader never sees half a file. Everything in a file is derived from the rows and the day asked
for, never from the clock: running a job again writes the same bytes. The rows are read in a
short transaction of their own, so no database lock is held across the other services' answers
or the file writes.
"""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import MONTREAL
from servicekit.db import transaction
from servicekit.secrets_box import SecretBox, SecretBoxError
from services.payments import repository as repo
from services.payments.config import PaymentsSettings
from services.payments.errors import ExportDataInvalid
from services.payments.exports import files
from services.payments.exports.cpa005 import Debit, Originator, build_cpa005, to_ascii_upper
from services.payments.exports.payroll import PayrollDeduction, build_payroll_exports
from services.payments.models import Charge, Invoice, PaymentMethod
from services.payments.ports import PlatformPort
from services.payments.schemas import Cpa005Out, PayrollOut

Sessions = async_sessionmaker[AsyncSession]
# File creation numbers count days from here: one file a day, so each is one more than the
# last (Standard 005), and a rerun of a day gets that day's number again.
FIRST_FILE_DAY = date(2000, 1, 1)
PAYOR_NAME_LENGTH = 30


def montreal_day(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in Montréal, in UTC (23 or 25 hours on DST changes)."""
    start = datetime.combine(day, time(), MONTREAL)
    end = datetime.combine(day + timedelta(days=1), time(), MONTREAL)
    return start.astimezone(UTC), end.astimezone(UTC)


def originator(settings: PaymentsSettings, day: date) -> Originator:
    """Us, as the bank knows us, with the day's file creation number."""
    return Originator(
        originator_id=settings.cpa005_originator_id,
        short_name=settings.cpa005_short_name,
        long_name=settings.cpa005_long_name,
        return_institution=settings.cpa005_return_institution,
        return_transit=settings.cpa005_return_transit,
        return_account=settings.cpa005_return_account,
        file_creation_number=(day - FIRST_FILE_DAY).days % 9999 + 1,
        destination_data_centre=settings.cpa005_data_centre,
    )


def _debit(
    box: SecretBox, charge: Charge, method: PaymentMethod, invoice: Invoice, day: date
) -> Debit:
    """One debit; the invoice number is the cross reference a returned item comes back with."""
    if not (method.institution and method.transit and method.account_number_encrypted):
        raise ExportDataInvalid(charge_id=charge.id, problem="bank_account_missing")
    try:
        account = box.open(method.account_number_encrypted)
    except SecretBoxError as exc:  # another key, or altered: say which charge, never the text
        raise ExportDataInvalid(charge_id=charge.id, problem="bank_account_unreadable") from exc
    # The writer refuses what does not fit; a payor name is the one field we may shorten.
    name = to_ascii_upper(method.holder_name, "payor_name")[:PAYOR_NAME_LENGTH].strip()
    return Debit(
        amount_cents=charge.amount_cents,
        payor_name=name,
        institution=method.institution,
        transit=method.transit,
        account=account,
        cross_reference=invoice.number,
        due_date=day,
    )


async def export_cpa005(
    sessions: Sessions, settings: PaymentsSettings, box: SecretBox, day: date
) -> Cpa005Out:
    """Write `<export_dir>/cpa005/pad-<day>.txt`: the PAD debits completed that Montréal day."""
    start, end = montreal_day(day)
    async with transaction(sessions) as session:
        found = await repo.pad_debits(session, start, end)
    try:
        debits = [_debit(box, charge, method, invoice, day) for charge, method, invoice in found]
        text = build_cpa005(originator(settings, day), debits, day)
    except ValueError as exc:
        raise ExportDataInvalid(problem=str(exc)) from exc
    path = Path(settings.export_dir) / "cpa005" / f"pad-{day.isoformat()}.txt"
    await asyncio.to_thread(files.write_atomic, path, text.encode("ascii"))
    total = sum(d.amount_cents for d in debits)
    return Cpa005Out(path=str(path), count=len(debits), total_cents=total)


def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` month."""
    first = date.fromisoformat(f"{period}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


async def _deductions(
    charges: list[Charge], port: PlatformPort, period: str
) -> list[PayrollDeduction]:
    """Each charge with its contract, employee number, establishment and names (asked once)."""
    subscriptions = dict.fromkeys(c.subscription_id for c in charges)
    facts = {s: await port.subscription(s) for s in subscriptions}
    accounts = dict.fromkeys(f.account_id for f in facts.values())
    names = {a: await port.names(a) for a in accounts}
    rows = []
    for charge in charges:
        fact = facts[charge.subscription_id]
        who = names[fact.account_id]
        rows.append(
            PayrollDeduction(
                establishment=fact.establishment,
                employee_number=fact.employee_number,
                last_name=who.last_name,
                first_name=who.first_name,
                contract_number=fact.contract_number,
                amount_cents=charge.amount_cents,
                period=period,
            )
        )
    return rows


async def export_payroll(
    sessions: Sessions, settings: PaymentsSettings, port: PlatformPort, period: str
) -> PayrollOut:
    """Write one CSV per establishment under `<export_dir>/payroll/<period>/`."""
    first, last = month_bounds(period)
    async with transaction(sessions) as session:
        charges = list(await repo.recorded_charges(session, first, last))
    deductions = await _deductions(charges, port, period)
    try:
        texts = build_payroll_exports(deductions)
    except ValueError as exc:
        raise ExportDataInvalid(problem=str(exc)) from exc
    folder = Path(settings.export_dir) / "payroll" / period
    slugs = files.unique_slugs(list(texts))
    named = {slugs[label]: text.encode("utf-8") for label, text in texts.items()}
    paths = await asyncio.to_thread(files.replace_folder, folder, named, ".csv")
    return PayrollOut(files=[str(p) for p in paths], rows=len(deductions))
