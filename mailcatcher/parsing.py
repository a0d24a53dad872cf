"""Turn raw RFC 5322 bytes into the fields the API and web pages show."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, cast


@dataclass(frozen=True)
class Address:
    """A mailbox: display name and address."""

    name: str
    address: str


@dataclass(frozen=True)
class Part:
    """A non-body MIME leaf (attachment or inline resource)."""

    part_id: str
    filename: str
    content_type: str
    content_id: str
    content: bytes
    inline: bool


@dataclass(frozen=True)
class Details:
    """Everything derived from one message, computed once at load time."""

    message_id: str
    subject: str
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    return_path: str
    date: datetime | None
    text: str
    html: str
    attachments: tuple[Part, ...]
    inline: tuple[Part, ...]
    headers: tuple[tuple[str, str], ...]


class _TextExtractor(HTMLParser):
    """Collect visible text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._skip += 1
        elif tag in {"br", "p", "div", "tr", "li", "h1", "h2", "h3"}:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML body, roughly line-broken."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    raw_lines = "".join(extractor.chunks).splitlines()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in raw_lines)
    return "\n".join(line for line in lines if line)


def parse_bytes(raw: bytes) -> EmailMessage:
    """Parse raw bytes with the modern email policy."""
    return BytesParser(policy=policy.default).parsebytes(raw)


def _addresses(msg: EmailMessage, header: str) -> tuple[Address, ...]:
    """Read an address header, tolerating malformed values."""
    found: list[Address] = []
    for name, value in msg.raw_items():
        if name.lower() != header.lower():
            continue
        try:
            parsed = policy.default.header_fetch_parse(name, value)
            pairs: Iterable[tuple[str, str]] = [
                (a.display_name, a.addr_spec) for a in getattr(parsed, "addresses", ())
            ]
        except Exception:  # the stdlib parser can raise almost anything
            pairs = getaddresses([str(value)])
        found.extend(Address(n, a) for n, a in pairs if a)
    return tuple(found)


def _header(msg: EmailMessage, name: str) -> str:
    """Return a decoded header value, or "" when absent or unreadable."""
    try:
        value = msg.get(name)
    except Exception:  # a broken header must not hide the message
        return ""
    return str(value).strip() if value is not None else ""


def _headers(msg: EmailMessage) -> tuple[tuple[str, str], ...]:
    """Return all headers decoded, keeping undecodable ones verbatim."""
    found: list[tuple[str, str]] = []
    for name, value in msg.raw_items():
        try:
            found.append((name, str(policy.default.header_fetch_parse(name, value))))
        except Exception:  # keep the raw value rather than fail
            found.append((name, str(value)))
    return tuple(found)


def _date(msg: EmailMessage) -> datetime | None:
    """Parse the Date header; naive dates are assumed to be UTC."""
    try:
        parsed = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _content(part: Message) -> str:
    """Decode a text part (UTF-8 on unknown charsets), with LF line endings."""
    try:
        text = str(cast(EmailMessage, part).get_content())
    except (LookupError, UnicodeError, KeyError):
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return text.replace("\r\n", "\n")  # SMTP uses CRLF; callers expect plain newlines


def _leaves(part: Message, path: str) -> Iterator[tuple[str, Message]]:
    """Yield (part id, leaf) pairs numbered like Mailpit: "1", "1.2", ..."""
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        children: list[Any] = cast(list[Any], part.get_payload())
        for index, child in enumerate(children, start=1):
            yield from _leaves(child, f"{path}.{index}" if path else str(index))
    else:
        yield path or "1", part


def _payload(part: Message) -> bytes:
    """Return the decoded bytes of a leaf (whole message for message/rfc822)."""
    if part.is_multipart():
        return cast(Message, part.get_payload(0)).as_bytes()
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _parts(msg: EmailMessage, bodies: set[int]) -> list[Part]:
    """List attachments and inline resources, skipping the chosen bodies."""
    found: list[Part] = []
    for part_id, leaf in _leaves(msg, ""):
        disposition = leaf.get_content_disposition()
        filename = leaf.get_filename() or ""
        # Unnamed text parts without "attachment" are alternative bodies, not files.
        if id(leaf) in bodies or (
            leaf.get_content_maintype() == "text" and not filename and disposition != "attachment"
        ):
            continue
        content_id = str(leaf.get("Content-ID", "")).strip().strip("<>")
        inline = disposition == "inline" or (disposition is None and bool(content_id))
        found.append(
            Part(part_id, filename, leaf.get_content_type(), content_id, _payload(leaf), inline)
        )
    return found


def _hidden_recipients(rcpt_tos: Iterable[str], visible: Iterable[Address]) -> list[Address]:
    """Envelope recipients absent from To/Cc/Bcc were blind copies."""
    seen = {a.address.lower() for a in visible}
    return [Address("", r) for r in rcpt_tos if r.lower() not in seen]


def analyse(raw: bytes, mail_from: str, rcpt_tos: Iterable[str]) -> Details:
    """Derive every displayed field from the raw message and its envelope."""
    msg = parse_bytes(raw)
    plain, html = msg.get_body(preferencelist=("plain",)), msg.get_body(preferencelist=("html",))
    html_text = _content(html) if html is not None else ""
    to, cc, bcc = _addresses(msg, "To"), _addresses(msg, "Cc"), _addresses(msg, "Bcc")
    senders = _addresses(msg, "From") or ((Address("", mail_from),) if mail_from else ())
    parts = _parts(msg, {id(p) for p in (plain, html) if p is not None})
    return Details(
        message_id=_header(msg, "Message-ID").strip("<>"),
        subject=_header(msg, "Subject"),
        sender=senders[0] if senders else None,
        to=to,
        cc=cc,
        bcc=bcc + tuple(_hidden_recipients(rcpt_tos, to + cc + bcc)),
        reply_to=_addresses(msg, "Reply-To"),
        return_path=_header(msg, "Return-Path").strip("<>") or mail_from,
        date=_date(msg),
        text=_content(plain) if plain is not None else html_to_text(html_text),
        html=html_text,
        attachments=tuple(p for p in parts if not p.inline),
        inline=tuple(p for p in parts if p.inline),
        headers=_headers(msg),
    )
