"""Mailpit API v1 JSON shapes built from stored messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from mailcatcher.parsing import Address, Part, html_to_text
from mailcatcher.store import StoredMessage

SNIPPET_LENGTH = 250  # Mailpit's snippet length


def rfc3339(moment: datetime) -> str:
    """Format like Mailpit/JavaScript: millisecond precision, `Z` for UTC."""
    text = moment.isoformat(timespec="milliseconds")
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def address(value: Address | None) -> dict[str, str]:
    """Serialize one address."""
    return {"Name": value.name, "Address": value.address} if value else {"Name": "", "Address": ""}


def addresses(values: Iterable[Address]) -> list[dict[str, str]]:
    """Serialize a list of addresses."""
    return [address(v) for v in values]


def snippet(message: StoredMessage) -> str:
    """Return the first characters of the body with whitespace collapsed."""
    text = message.details.text or html_to_text(message.details.html)
    collapsed = re.sub(r"\s+", " ", text).strip()
    return collapsed[:SNIPPET_LENGTH]


def _people(message: StoredMessage) -> dict[str, Any]:
    """Fields shared by summaries and full messages."""
    d = message.details
    return {
        "ID": message.id,
        "MessageID": d.message_id,
        "From": address(d.sender),
        "To": addresses(d.to),
        "Cc": addresses(d.cc),
        "Bcc": addresses(d.bcc),
        "ReplyTo": addresses(d.reply_to),
        "Subject": d.subject,
        "Tags": [],
        "Size": len(message.raw),
    }


def summary(message: StoredMessage) -> dict[str, Any]:
    """One entry of the messages list."""
    return {
        **_people(message),
        "Read": False,
        "Created": rfc3339(message.created),
        "Attachments": len(message.details.attachments),
        "Snippet": snippet(message),
    }


def part(value: Part) -> dict[str, Any]:
    """Describe an attachment or inline part."""
    return {
        "PartID": value.part_id,
        "FileName": value.filename,
        "ContentType": value.content_type,
        "ContentID": value.content_id,
        "Size": len(value.content),
    }


def message(value: StoredMessage) -> dict[str, Any]:
    """The full message as returned by GET /api/v1/message/{ID}."""
    d = value.details
    return {
        **_people(value),
        "ReturnPath": d.return_path,
        "Date": rfc3339(d.date or value.created),
        "Text": d.text,
        "HTML": d.html,
        "Inline": [part(p) for p in d.inline],
        "Attachments": [part(p) for p in d.attachments],
    }


def page(total: int, matched: Sequence[StoredMessage], start: int, limit: int) -> dict[str, Any]:
    """A paginated list, shared by /messages and /search."""
    shown = matched[start : start + limit]
    return {
        "total": total,
        "unread": 0,
        "count": len(shown),
        "messages_count": len(matched),
        "start": start,
        "tags": [],
        "messages": [summary(m) for m in shown],
    }


def headers(value: StoredMessage) -> dict[str, list[str]]:
    """All headers as name -> values, like Mailpit's /headers endpoint."""
    grouped: dict[str, list[str]] = {}
    for name, text in value.details.headers:
        grouped.setdefault(name, []).append(text)
    return grouped
