"""A real SMTP server (the platform's aiosmtpd-based catcher) for tests that read email."""

import asyncio
import re
import socket
from asyncio import AbstractServer
from pathlib import Path

from mailcatcher.smtp import make_smtp
from mailcatcher.store import MailStore, StoredMessage


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """An SMTP server on a free port keeping what it receives."""

    def __init__(self, folder: Path) -> None:
        self.store = MailStore(folder)
        self.port = free_port()
        self._server: AbstractServer | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: make_smtp(self.store), "127.0.0.1", self.port
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for(self, to: str, count: int = 1, timeout: float = 20.0) -> list[StoredMessage]:
        """The messages to `to`, once at least `count` arrived (oldest first)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = [m for m in self.store.list() if to in m.rcpt_tos][::-1]
            if len(found) >= count:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"expected {count} message(s) to {to}, got {len(found)}")
            await asyncio.sleep(0.05)


def link_in(message: StoredMessage) -> str:
    """The first platform link in a message's text body."""
    text = message.details.text
    match = re.search(r"https?://\S+?token=[A-Za-z0-9_\-]+", text)
    if not match:
        raise AssertionError("no link in the message")
    return match.group(0)
