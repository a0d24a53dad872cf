"""Keep received messages in memory, persisted as .eml files so they survive restarts."""

from __future__ import annotations

import json
import logging
import os
import secrets
import string
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mailcatcher.parsing import Details, Part, analyse

DEFAULT_DIR = Path(".data/mail")
_ID_ALPHABET = string.ascii_letters + string.digits
_ID_LENGTH = 22  # same length as Mailpit IDs

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class StoredMessage:
    """One received message: raw bytes, SMTP envelope and parsed details."""

    id: str
    raw: bytes
    created: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    details: Details

    @property
    def parts(self) -> tuple[Part, ...]:
        """Attachments followed by inline parts."""
        return self.details.attachments + self.details.inline


def new_id() -> str:
    """Return a random, URL- and filename-safe message ID."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file so a crash never leaves a half-written message."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class MailStore:
    """Thread-safe store of received messages backed by a folder of .eml files."""

    def __init__(self, folder: str | os.PathLike[str] = DEFAULT_DIR) -> None:
        """Open (creating if needed) the folder and load the messages it holds."""
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._messages: dict[str, StoredMessage] = {}
        self._load()

    def _load(self) -> None:
        """Read every .eml file, oldest first; envelope data comes from the .json sidecar."""
        loaded = [m for m in map(self._read, self.folder.glob("*.eml")) if m is not None]
        for message in sorted(loaded, key=lambda m: m.created):
            self._messages[message.id] = message

    def _read(self, eml: Path) -> StoredMessage | None:
        """Load one message from disk, skipping (and logging) unreadable files."""
        try:
            raw = eml.read_bytes()
            meta_path = eml.with_suffix(".json")
            meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
            created = (
                datetime.fromisoformat(meta["created"])
                if "created" in meta
                else datetime.fromtimestamp(eml.stat().st_mtime, UTC)
            )
            mail_from, rcpt_tos = meta.get("mail_from", ""), meta.get("rcpt_tos", [])
            return self._build(eml.stem, raw, created, mail_from, rcpt_tos)
        except (OSError, ValueError, TypeError) as exc:
            log.warning("skipping unreadable message %s: %s", eml, exc)
            return None

    @staticmethod
    def _build(
        message_id: str, raw: bytes, created: datetime, mail_from: str, rcpt_tos: Iterable[str]
    ) -> StoredMessage:
        """Parse raw bytes into a StoredMessage."""
        rcpts = tuple(rcpt_tos)
        details = analyse(raw, mail_from, rcpts)
        return StoredMessage(message_id, raw, created, mail_from, rcpts, details)

    def add(self, raw: bytes, mail_from: str = "", rcpt_tos: Iterable[str] = ()) -> str:
        """Store a received message on disk and in memory; return its new ID."""
        message = self._build(new_id(), raw, datetime.now(UTC), mail_from, rcpt_tos)
        meta = {
            "created": message.created.isoformat(),
            "mail_from": message.mail_from,
            "rcpt_tos": list(message.rcpt_tos),
        }
        with self._lock:
            # Sidecar first: the .eml appearing is what marks a message as complete.
            _write_atomically(self.folder / f"{message.id}.json", json.dumps(meta).encode())
            _write_atomically(self.folder / f"{message.id}.eml", raw)
            self._messages[message.id] = message
        return message.id

    def list(self) -> Sequence[StoredMessage]:
        """Return all messages, newest first."""
        with self._lock:
            return list(reversed(self._messages.values()))

    def get(self, message_id: str) -> StoredMessage | None:
        """Return the message with this ID, or None."""
        with self._lock:
            return self._messages.get(message_id)

    def latest(self) -> StoredMessage | None:
        """Return the newest message, or None when the store is empty."""
        with self._lock:
            return next(reversed(self._messages.values()), None)

    def part(self, message_id: str, part_id: str) -> Part | None:
        """Return an attachment or inline part of a message, or None."""
        message = self.get(message_id)
        if message is None:
            return None
        return next((p for p in message.parts if p.part_id == part_id), None)

    def delete(self, message_ids: Iterable[str]) -> int:
        """Delete the given messages from memory and disk; return how many existed."""
        deleted = 0
        with self._lock:
            for message_id in message_ids:
                if self._messages.pop(message_id, None) is None:
                    continue
                deleted += 1
                for suffix in (".eml", ".json"):
                    (self.folder / f"{message_id}{suffix}").unlink(missing_ok=True)
        return deleted

    def delete_all(self) -> int:
        """Delete every message; return how many were deleted."""
        with self._lock:
            return self.delete(list(self._messages))

    def __len__(self) -> int:
        """Return the number of stored messages."""
        with self._lock:
            return len(self._messages)
