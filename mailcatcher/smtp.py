"""SMTP side: an aiosmtpd handler that files every message into the MailStore."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from mailcatcher.store import MailStore

DATA_SIZE_LIMIT = 50 * 1024 * 1024  # generous: this catches test mail, not the internet's
SERVER_NAME = "mailcatcher"  # avoids socket.getfqdn(), which can stall on slow DNS


class _DropLoginDataWarning(logging.Filter):
    """Hide aiosmtpd's own deprecation warning, logged on every successful AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but that one."""
        return not record.getMessage().startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_DropLoginDataWarning())


class StoreHandler:
    """aiosmtpd handler storing each accepted message."""

    def __init__(self, store: MailStore) -> None:
        """Remember the store to write into."""
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Persist the raw message; disk I/O runs in a thread to keep the loop responsive."""
        raw = envelope.original_content or b""
        message_id = await asyncio.to_thread(
            self.store.add, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
        )
        return f"250 2.0.0 Ok: queued as {message_id}"


def accept_any_login(*_args: Any) -> AuthResult:
    """Accept any AUTH credentials, like Mailpit's --smtp-auth-accept-any."""
    return AuthResult(success=True)


def make_smtp(store: MailStore) -> SMTP:
    """Build one SMTP protocol instance (one per connection)."""
    return SMTP(
        StoreHandler(store),
        hostname=SERVER_NAME,
        enable_SMTPUTF8=True,
        data_size_limit=DATA_SIZE_LIMIT,
        authenticator=accept_any_login,
        # Senders configured with credentials must still work over plain local SMTP.
        auth_require_tls=False,
    )


async def start_smtp_server(store: MailStore, host: str, port: int) -> asyncio.Server:
    """Listen for SMTP on the running loop (port 0 picks a free port)."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: make_smtp(store), host, port)


def bound_port(server: asyncio.Server) -> int:
    """Return the TCP port a server actually listens on."""
    return int(server.sockets[0].getsockname()[1])
