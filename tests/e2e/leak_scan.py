"""RULES.md's card rule, checked as an auditor would: no Luhn-valid 13-19 digit run in the
services' databases, the processes' logs or the emails the catcher received."""

import email
import email.policy
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.cards import card_numbers
from tests.e2e.stack import Stack


def pdf_text(content: bytes) -> str:
    """The text of a PDF (its binary streams are not scanned: compressed bytes mean nothing)."""
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def value_text(value: Any) -> str:
    """A database value as the text to scan: strings, numbers, JSON, bytes (a PDF's text)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        if value.startswith(b"%PDF"):
            return pdf_text(value)
        return value.decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@dataclass
class Scan:
    """What a scan read (per source: values, lines, emails), what it found, and which known
    strings of the journey it saw, to prove it read the journey's data."""

    witnesses: dict[str, str]  # a string the journey wrote -> the source expected to hold it
    leaks: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    def check(self, source: str, where: str, text: str) -> None:
        self.read[source] = self.read.get(source, 0) + 1
        numbers = card_numbers(text)
        if numbers:
            self.leaks.append(f"{where}: {numbers}")
        self.seen |= {w for w, home in self.witnesses.items() if home == source and w in text}

    def missed(self) -> list[str]:
        return [
            f"{w!r} not seen in {home}" for w, home in self.witnesses.items() if w not in self.seen
        ]


async def scan_database(scan: Scan, name: str, url: str) -> None:
    """Every table of one service's database, reflected, every value of every row."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            metadata = MetaData()
            await conn.run_sync(lambda sync: metadata.reflect(bind=sync))
            assert metadata.tables, f"{name}: no table reflected"
            for table in metadata.sorted_tables:
                for row in (await conn.execute(select(table))).mappings():
                    for column, value in row.items():
                        where = f"{name}.{table.name}.{column}"
                        scan.check(name, where, value_text(value))
    finally:
        await engine.dispose()


def scan_logs(scan: Scan, folder: Path) -> None:
    """Every log file of the stack's processes (their captured stdout and stderr), by line."""
    for path in sorted(folder.rglob("*.log")):
        scan.read["log files"] = scan.read.get("log files", 0) + 1
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            scan.check("logs", f"{path.name}:{number}: {line[:200]}", line)


def email_texts(raw: bytes) -> Iterator[tuple[str, str]]:
    """The headers (their MIME boundaries included: servicekit.mail draws them without digit
    runs), each text part (decoded) and each PDF attachment's text of one email."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    yield "headers", headers
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind.startswith("text/"):
            yield kind, str(part.get_content())
        elif kind == "application/pdf":
            yield f"{kind} {part.get_filename()}", pdf_text(part.get_payload(decode=True))


def scan_email(scan: Scan, name: str, raw: bytes) -> None:
    for part, text in email_texts(raw):
        scan.check("emails", f"email {name} {part}", text)


async def scan_emails(scan: Scan, stack: Stack) -> None:
    """Every email the catcher received, from its raw source."""
    async with httpx.AsyncClient(base_url=stack.url("mail"), timeout=10) as mail:
        listed = (await mail.get("/api/v1/messages", params={"limit": 100000})).json()
        assert listed["count"] == listed["messages_count"], "some emails were not listed"
        for summary in listed["messages"]:
            raw = (await mail.get(f"/api/v1/message/{summary['ID']}/raw")).content
            scan_email(scan, repr(summary["Subject"]), raw)
        scan.read["email messages"] = len(listed["messages"])
