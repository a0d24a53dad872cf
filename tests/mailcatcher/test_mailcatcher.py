"""End-to-end tests: real SMTP server, Mailpit-compatible API, HTML pages, persistence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest

from mailcatcher.api import create_app
from mailcatcher.smtp import bound_port, start_smtp_server
from mailcatcher.store import MailStore

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
TEXT = "Bonjour Alice,\nvotre abonnement est actif.\n"
HTML = '<p>Bonjour <b>Alice</b>, <a href="https://example.org/compte">votre compte</a></p>'


def build_message(subject: str = "Confirmation d'abonnement") -> EmailMessage:
    """A multipart/mixed message: text + HTML alternatives and a PDF attachment."""
    msg = EmailMessage()
    msg["From"] = "Stationnement <noreply@parking.test>"
    msg["To"] = "Alice Tremblay <alice@example.org>"
    msg["Subject"] = subject
    msg["Message-ID"] = "<abc123@parking.test>"
    msg.set_content(TEXT)
    msg.add_alternative(HTML, subtype="html")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="facture.pdf")
    return msg


@asynccontextmanager
async def running_smtp(store: MailStore) -> AsyncIterator[int]:
    """Run the real SMTP server on a free port for the duration of the block."""
    server = await start_smtp_server(store, "127.0.0.1", 0)
    try:
        yield bound_port(server)
    finally:
        server.close()
        await server.wait_closed()


def client_for(store: MailStore) -> httpx.AsyncClient:
    """An in-process HTTP client for the app."""
    transport = httpx.ASGITransport(app=create_app(store))
    return httpx.AsyncClient(transport=transport, base_url="http://mailcatcher")


@pytest.mark.asyncio
async def test_smtp_to_api_roundtrip(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    async with running_smtp(store) as port:
        await aiosmtplib.send(
            build_message(),
            hostname="127.0.0.1",
            port=port,
            sender="bounce@parking.test",
            recipients=["alice@example.org", "audit@parking.test"],
            username="any-user",  # AUTH is accepted whatever the credentials, like Mailpit's
            password="any-password",
        )

    async with client_for(store) as client:
        listing = (await client.get("/api/v1/messages")).json()
        assert listing["total"] == listing["count"] == listing["messages_count"] == 1
        assert listing["unread"] == 0 and listing["start"] == 0 and listing["tags"] == []
        summary = listing["messages"][0]
        assert summary["Subject"] == "Confirmation d'abonnement"
        assert summary["From"] == {"Name": "Stationnement", "Address": "noreply@parking.test"}
        assert summary["To"] == [{"Name": "Alice Tremblay", "Address": "alice@example.org"}]
        assert summary["Bcc"] == [{"Name": "", "Address": "audit@parking.test"}]
        assert summary["MessageID"] == "abc123@parking.test"
        assert summary["Read"] is False and summary["Attachments"] == 1
        assert summary["Snippet"].startswith("Bonjour Alice, votre abonnement")
        assert datetime.fromisoformat(summary["Created"]).tzinfo is not None
        message_id = summary["ID"]

        detail = (await client.get(f"/api/v1/message/{message_id}")).json()
        assert detail["Text"] == TEXT  # CRLF from the SMTP wire normalized to LF
        assert '<a href="https://example.org/compte">' in detail["HTML"]
        assert detail["ReturnPath"] == "bounce@parking.test"
        assert detail["Inline"] == []
        [attachment] = detail["Attachments"]
        assert attachment["FileName"] == "facture.pdf"
        assert attachment["ContentType"] == "application/pdf"
        assert attachment["Size"] == len(PDF)
        assert (await client.get("/api/v1/message/latest")).json()["ID"] == message_id

        part = await client.get(f"/api/v1/message/{message_id}/part/{attachment['PartID']}")
        assert part.status_code == 200
        assert part.content == PDF
        assert part.headers["content-type"].startswith("application/pdf")

        raw = await client.get(f"/api/v1/message/{message_id}/raw")
        assert b"Subject: Confirmation d'abonnement" in raw.content

        page = await client.get(f"/messages/{message_id}")
        assert page.status_code == 200
        assert 'sandbox="allow-popups allow-popups-to-escape-sandbox' in page.text
        assert f"/api/v1/message/{message_id}/part/{attachment['PartID']}" in page.text

    # Persistence: a fresh store over the same folder sees the same message.
    reloaded = MailStore(tmp_path / "mail")
    again = reloaded.get(message_id)
    assert again is not None
    assert again.details.subject == "Confirmation d'abonnement"
    assert again.rcpt_tos == ("alice@example.org", "audit@parking.test")
    assert again.created == store.list()[0].created
    assert reloaded.part(message_id, attachment["PartID"]).content == PDF  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_search_pagination_and_delete(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    for index, to in enumerate(["alice@example.org", "bob@example.org", "alice@example.org"]):
        msg = build_message(subject=f"Rappel numéro {index}")
        msg.replace_header("To", to)
        store.add(msg.as_bytes(), "noreply@parking.test", [to])

    async with client_for(store) as client:
        found = await client.get("/api/v1/search", params={"query": "to:alice@example.org"})
        assert [m["Subject"] for m in found.json()["messages"]] == [
            "Rappel numéro 2",
            "Rappel numéro 0",
        ]
        assert found.json()["total"] == 3 and found.json()["messages_count"] == 2

        quoted = await client.get("/api/v1/search", params={"query": 'subject:"numéro 1"'})
        assert [m["To"][0]["Address"] for m in quoted.json()["messages"]] == ["bob@example.org"]
        words = await client.get("/api/v1/search", params={"query": "abonnement -to:bob"})
        assert words.json()["messages_count"] == 2

        paged = (await client.get("/api/v1/messages", params={"start": 1, "limit": 1})).json()
        assert paged["count"] == 1 and paged["total"] == 3
        assert paged["messages"][0]["Subject"] == "Rappel numéro 1"

        deleted = await client.delete("/api/v1/messages")
        assert deleted.status_code == 200
        assert (await client.get("/api/v1/messages")).json()["total"] == 0
    assert list((tmp_path / "mail").iterdir()) == []
    assert len(MailStore(tmp_path / "mail")) == 0


@pytest.mark.asyncio
async def test_unknown_ids_are_json_404(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    message_id = store.add(build_message().as_bytes())
    async with client_for(store) as client:
        for path in (
            "/api/v1/message/doesnotexist",
            "/api/v1/message/doesnotexist/raw",
            "/api/v1/message/doesnotexist/part/2",
            f"/api/v1/message/{message_id}/part/9",
        ):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "detail" in response.json()
        assert (await client.get("/healthz")).json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_html_pages_escape_content(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail")
    msg = EmailMessage()
    msg["From"] = "evil@example.org"
    msg["To"] = "alice@example.org"
    msg["Subject"] = "<script>alert(1)</script>"
    msg.set_content('<img src=x onerror="alert(2)">"></iframe><script>alert(3)</script>', "html")
    message_id = store.add(msg.as_bytes())

    async with client_for(store) as client:
        index = await client.get("/")
        assert index.status_code == 200
        assert "Courriels reçus" in index.text and "Received mail" in index.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index.text
        assert "<script>" not in index.text

        page = await client.get(f"/messages/{message_id}")
        assert page.status_code == 200
        assert "<script>" not in page.text and "</iframe><" not in page.text
        assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page.text
