"""The benches' side of the mail catcher: signups, the emailed verification links followed, and
when each email arrived (the poller's period is the resolution of the email latencies).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

import httpx
from ports import url

IDENTITY = url("identity")


MAIL = url("mail")


PASSWORD = "Bench-passphrase-7f3k"


LINK_TOKEN = re.compile(r"/verification\?token=([^\s\"'<>&]+)")


POLL_SECONDS = 0.01  # the mail poller's period: the resolution of the email latencies


@dataclass
class Arrival:
    """When a message for one recipient became visible in the catcher's API."""

    seen: float  # time.monotonic() of the poll that first listed it
    message_id: str
    created: str  # the catcher's own timestamp (wall clock, ms)


@dataclass
class Mailbox:
    """One poller for the whole run: recipient -> first arrival, instead of a poller per email.

    It polls the cheap `/api/v1/info` message count and only lists the newest messages when
    the count grew, so polling fast does not load the catcher being measured.
    """

    http: httpx.AsyncClient
    arrivals: dict[str, Arrival] = field(default_factory=dict)
    known: int = 0
    polls: int = 0
    errors: int = 0
    _task: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        seen_ids: set[str] = set()
        while True:
            try:
                await self._poll(seen_ids)
            except (httpx.HTTPError, ValueError, KeyError):
                self.errors += 1
            await asyncio.sleep(POLL_SECONDS)

    async def _poll(self, seen_ids: set[str]) -> None:
        self.polls += 1
        info = (await self.http.get(f"{MAIL}/api/v1/info")).json()
        total = int(info["Messages"])
        if total <= self.known:
            return
        now = time.monotonic()
        limit = total - self.known + 10
        page = await self.http.get(f"{MAIL}/api/v1/messages", params={"limit": limit})
        for message in page.json()["messages"]:
            if message["ID"] in seen_ids:
                continue
            seen_ids.add(message["ID"])
            for to in message["To"]:
                address = to["Address"].lower()
                if address not in self.arrivals:
                    self.arrivals[address] = Arrival(now, message["ID"], message["Created"])
        self.known = len(seen_ids)
        self._changed.set()

    async def wait_for(self, addresses: set[str], deadline: float) -> set[str]:
        """Wait until every address has mail or the deadline passes; return those still missing."""
        while True:
            missing = {a for a in addresses if a not in self.arrivals}
            remaining = deadline - time.monotonic()
            if not missing or remaining <= 0:
                return missing
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 1.0))


async def signup(http: httpx.AsyncClient, email: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
    return await http.post(f"{IDENTITY}/v1/accounts", json={**body, "language": "fr"})


async def verify(http: httpx.AsyncClient, mailbox: Mailbox, emails: list[str]) -> list[str]:
    """Follow the verification link of each account's email; return the verified addresses."""
    verified = []
    for email in emails:
        message = await http.get(f"{MAIL}/api/v1/message/{mailbox.arrivals[email].message_id}")
        found = LINK_TOKEN.search(message.json().get("Text", ""))
        if not found:
            continue
        token = unquote(found.group(1))
        response = await http.post(f"{IDENTITY}/v1/accounts/verification", json={"token": token})
        if response.status_code == 200:
            verified.append(email)
    return verified
