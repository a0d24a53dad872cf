"""A subset of Mailpit's search syntax: `to:`, `from:`, `subject:"..."`, words, `-negation`."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Sequence

from mailcatcher.parsing import Address
from mailcatcher.store import StoredMessage


def _people(addresses: Iterable[Address | None]) -> str:
    """Flatten addresses into one searchable string."""
    return " ".join(f"{a.name} <{a.address}>" for a in addresses if a is not None)


def _everything(m: StoredMessage) -> str:
    """Text matched by plain words: subject, people and body."""
    d = m.details
    return " ".join((d.subject, _people((d.sender, *d.to, *d.cc, *d.bcc)), d.text))


_FIELDS: dict[str, Callable[[StoredMessage], str]] = {
    "to": lambda m: _people(m.details.to),
    "from": lambda m: _people((m.details.sender,)),
    "cc": lambda m: _people(m.details.cc),
    "bcc": lambda m: _people(m.details.bcc),
    "reply-to": lambda m: _people(m.details.reply_to),
    "addressed": lambda m: _people(
        (m.details.sender, *m.details.to, *m.details.cc, *m.details.bcc, *m.details.reply_to)
    ),
    "subject": lambda m: m.details.subject,
    "message-id": lambda m: m.details.message_id,
    "filename": lambda m: " ".join(p.filename for p in m.parts),
}


def tokenize(query: str) -> list[str]:
    """Split on spaces, keeping quoted phrases together (`subject:"a b"` -> `subject:a b`)."""
    try:
        return shlex.split(query)
    except ValueError:  # unbalanced quote: fall back to plain words
        return query.replace('"', " ").split()


def _term_matches(message: StoredMessage, term: str) -> bool:
    """Check one (non-negated) term, case-insensitively."""
    key, sep, value = term.partition(":")
    key, value = key.lower(), value.lower()
    if sep and key in _FIELDS:
        return value in _FIELDS[key](message).lower()
    if sep and key == "is":
        return value == "unread"  # nothing is ever marked read here
    if sep and key == "has":
        return value.startswith("attachment") and bool(message.details.attachments)
    return term.lower() in _everything(message).lower()


def matches(message: StoredMessage, query: str) -> bool:
    """True when every term of the query matches (a leading `-` negates a term)."""
    for term in tokenize(query):
        negated = term.startswith("-") and len(term) > 1
        if _term_matches(message, term[1:] if negated else term) == negated:
            return False
    return True


def search(messages: Sequence[StoredMessage], query: str) -> list[StoredMessage]:
    """Return the messages matching the query, keeping their order."""
    return [m for m in messages if matches(m, query)]
