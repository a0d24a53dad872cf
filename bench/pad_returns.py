"""Figures of the PAD returns import, in process on a fresh SQLite database (printed, never
asserted).

    .venv/bin/python bench/pad_returns.py [--items 1000 3000] [--database-url URL]

For each size N: N paid PAD debits written straight into a migrated payments database (one
bank account, one invoice each, completed the same Montréal day), the day's CPA-005 debit file
built by our writer, and the bank's returns file sending every debit back (J records). It times
reading the file (`parse_returns`), the import in one transaction (every debit traced, reversed
and recorded), and the same file imported again (a repeat: found by its hash). The machine's
load average is printed with the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from servicekit.db import make_engine, make_sessionmaker, transaction
from servicekit.migrate import upgrade
from services.payments.exports.cpa005 import (
    CRLF,
    PREFIX_LENGTH,
    RECORD_LENGTH,
    SEGMENT_LENGTH,
    Debit,
    Originator,
    build_cpa005,
)
from services.payments.models import Charge, Invoice, PaymentMethod
from services.payments.returns.cpa005_returns import parse_returns
from services.payments.returns.service import import_returns

DAY = date(2031, 7, 15)
ORIGINATOR = Originator("SPAQ000001", "SPAQ", "SPAQ", "815", "30000", "1234567", 1, "81510")


async def _debits(url: str, count: int) -> list[Debit]:
    """`count` paid PAD debits of one bank account, completed at noon on DAY."""
    sessions = make_sessionmaker(make_engine(url))
    account, method_id = str(uuid.uuid4()), str(uuid.uuid4())
    noon = datetime(DAY.year, DAY.month, DAY.day, 16, tzinfo=UTC)
    debits = []
    async with transaction(sessions) as session:
        session.add(PaymentMethod(id=method_id, account_id=account, kind="pad", holder_name="X"))
        await session.flush()
        invoices = []
        for n in range(count):
            charge_id, invoice_id, number = str(uuid.uuid4()), str(uuid.uuid4()), f"B{n:08d}"
            session.add(
                Charge(id=charge_id, idempotency_key=charge_id, account_id=account,
                       subscription_id=str(uuid.uuid4()), payment_method_id=method_id,
                       period_start=DAY, period_end=DAY, amount_cents=6500, description="b",
                       status="paid", invoice_id=invoice_id, completed_at=noon)
            )  # fmt: skip
            invoices.append(
                Invoice(id=invoice_id, number=number, account_id=account,
                        subscription_id=str(uuid.uuid4()), charge_id=charge_id, description="b",
                        period_start=DAY, period_end=DAY, total_cents=6500, pretax_cents=5653,
                        gst_cents=283, qst_cents=564, status="paid", method_kind="pad")
            )  # fmt: skip
            debits.append(Debit(6500, "X", "815", "30000", "1234567", number, DAY))
        await session.flush()  # the charges before the invoices that refer to them
        session.add_all(invoices)
    return debits


def _returns_of(debit_file: str) -> bytes:
    """Every D segment sent back in J records (reason 901), with a matching trailer."""
    records = [r for r in debit_file.split(CRLF) if r]
    segments = [
        r[PREFIX_LENGTH + s * SEGMENT_LENGTH :][:SEGMENT_LENGTH]
        for r in records[1:-1]
        for s in range(6)
    ]
    segments = [s[:40] + f"{i:022d}" + "901" + s[65:] for i, s in enumerate(segments) if s.strip()]
    out = [records[0]]
    for start in range(0, len(segments), 6):
        body = "".join(segments[start : start + 6])
        out.append(("J" + f"{len(out) + 1:09d}" + records[0][10:24] + body).ljust(RECORD_LENGTH))
    cents = 6500 * len(segments)
    trailer = "Z" + f"{len(out) + 1:09d}" + records[0][10:24] + f"{cents:014d}{len(segments):08d}"
    out.append(trailer.ljust(RECORD_LENGTH, "0")[:112].ljust(RECORD_LENGTH))
    return "".join(r + CRLF for r in out).encode("ascii")


async def measure(url: str, count: int) -> dict[str, float]:
    debits = await _debits(url, count)
    content = _returns_of(build_cpa005(ORIGINATOR, debits, DAY))
    started = time.perf_counter()
    parsed = parse_returns(content.decode("ascii"))
    parse_s = time.perf_counter() - started
    assert len(parsed.items) == count
    sessions = make_sessionmaker(make_engine(url))
    figures = {"items": count, "file_kib": len(content) / 1024, "parse_ms": parse_s * 1000}
    for label in ("import_ms", "repeat_ms"):
        started = time.perf_counter()
        async with transaction(sessions) as session:
            result = await import_returns(session, content, "bench.txt", "bench")
        figures[label] = (time.perf_counter() - started) * 1000
        assert len(result.items) == count
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}, cpus: {os.cpu_count()}")
    for count in args.items:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite+aiosqlite:///{folder}/payments.db"
            upgrade("payments", url)
            figures = asyncio.run(measure(url, count))
        per_item = figures["import_ms"] / count
        print(
            f"{count} returns ({figures['file_kib']:.0f} KiB): read {figures['parse_ms']:.0f} ms, "
            f"import {figures['import_ms']:.0f} ms ({per_item:.2f} ms each), "
            f"same file again {figures['repeat_ms']:.0f} ms"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
