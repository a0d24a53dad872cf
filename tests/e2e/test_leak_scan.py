"""The Luhn leak scanner of the payments journeys finds what it must (a scanner that finds
nothing proves nothing)."""

from email.message import EmailMessage
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.cards import card_numbers
from tests.e2e.leak_scan import Scan, scan_database, scan_email, scan_logs


async def test_the_scanner_finds_a_planted_card_number(tmp_path: Path) -> None:
    """The Luhn scan below would see a card number however it is written, and only that; in a
    line, a database row (text or bytes), an email's encoded part or its PDF attachment."""
    planted = [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "3782 822463 10005",
        '{"number": "5555555555554444", "cvv": "123"}',
        "card=4242424242424242 12/30",
        "no 1 4242 4242 4242 4242 exp 12 30",
        "tok_4242424242424242x",
        "4242424242424242:ac5e0f714344101126877d2b9e4fa1c0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3",
        "span_id=3919480083755abc number=4242424242424242",
        "note=3919480083755abc",  # the same digits anywhere but a span id still count
    ]
    for sample in planted:
        assert card_numbers(f"POST /v1/payment-methods/card {sample} done"), sample
    assert card_numbers("x 4242 4242 4242 4242 y") == ["4242424242424242"]
    clean = [
        "4242424242424241",  # Luhn-invalid
        "•••• 4242",
        "contract 49460186, receipt R-2026-000123, 815 30127 004567891",
        "123e4567-e89b-12d3-a456-426614174000",
        "7f7a622e-bd86-4335-8997-33659d4bc6c4",  # 4335 8997 33659 would be card-like
        "2026-11-26 10:00:00.123456+00:00",
        "424242424242",  # 12 digits
        "42424242424242424242",  # 20 digits: too long for a card
        # a token's sha256 (identity.one_time_tokens.token_hash): no card in a hex digest
        "ac5e0f714344101126877d2b9e4fa1c0c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3",
        # a log line's span id whose digits 3919480083755 pass the Luhn check (a CI run saw it)
        "status=200 span_id=3919480083755abc trace_id=79c8a09c0436baccfac36c5cf3c7c8a7",
        '{"event": "request", "span_id": "3919480083755abc"}',
    ]
    for sample in clean:
        assert not card_numbers(sample), sample

    # The same pipeline as the real scan, on planted sources
    scan = Scan({"Hello": "emails", "witness": "planted"})
    url = f"sqlite+aiosqlite:///{tmp_path / 'planted.db'}"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sql("CREATE TABLE t (a TEXT, b BLOB, c INTEGER)"))
        await conn.execute(
            sql("INSERT INTO t VALUES ('witness', :b, 5555555555554444)"),
            {"b": b"pan 4242 4242 4242 4242"},
        )
    await engine.dispose()
    await scan_database(scan, "planted", url)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "web.log").write_text("ok\nWARNING number=4242424242424242\n")
    scan_logs(scan, tmp_path / "logs")
    message = EmailMessage()
    message["Subject"] = "Hello"
    message.set_content("Votre carte 4242-4242-4242-4242", cte="base64")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Carte 5555 5555 5555 4444")
    message.add_attachment(bytes(pdf.output()), maintype="application", subtype="pdf")
    message.set_boundary("===============4242424242424242==")  # the email package's style
    scan_email(scan, "planted", message.as_bytes())
    # b and c of the row, the log line, the boundary, the text and the PDF
    assert len(scan.leaks) == 6, scan.leaks
    assert not scan.missed(), scan.missed()
