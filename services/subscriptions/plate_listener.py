"""PostgreSQL LISTEN/NOTIFY for the plate index: every replica forgets its index when any
replica commits a change to it.

A change sends `NOTIFY plate_index` inside its own transaction, so PostgreSQL delivers it only
once that transaction has committed, to every listening connection (each replica keeps one).
While that connection is down a replica cannot know what it missed: it answers from the
database on every check until it listens again (`trusted` is false), then starts afresh.
"""

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import URL

CHANNEL = "plate_index"
# How often the idle connection is checked; a dead one is replaced within about this long.
KEEPALIVE_SECONDS = 5.0
RECONNECT_SECONDS = 0.5

log = logging.getLogger(__name__)


def asyncpg_dsn(url: URL) -> str:
    """The libpq-style address asyncpg takes, from SQLAlchemy's `postgresql+asyncpg://` URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PlateListener:
    """One listening connection, reconnected when lost; calls `on_change` for every change and
    whenever it (re)starts listening (a change may have been missed meanwhile)."""

    def __init__(self, dsn: str, on_change: Callable[[], None]) -> None:
        self._dsn = dsn
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self.trusted = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="plate-index-listener")

    async def close(self) -> None:
        self.trusted = False
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._listen_until_lost()
            except Exception as exc:  # whatever ended the connection, listen again
                log.warning("plate index listener lost its connection: %s", type(exc).__name__)
            self.trusted = False
            self._on_change()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen_until_lost(self) -> None:
        connection = await asyncio.wait_for(asyncpg.connect(self._dsn), KEEPALIVE_SECONDS)
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(CHANNEL, self._notified)
            self._on_change()
            self.trusted = True
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), KEEPALIVE_SECONDS)
        finally:
            self.trusted = False
            connection.terminate()

    def _notified(self, *_: Any) -> None:
        self._on_change()
