"""The plate check's in-memory index: rebuilt from the database after every change.

Cameras and enforcement ask many times a second whether a plate may park at a site, so the
answer comes from a dictionary. Every state change invalidates it once its transaction has
committed (a reader rebuilding in between cannot keep an answer older than the change: a
generation counter discards such a rebuild). On PostgreSQL the change also sends a NOTIFY that
every replica listens to (plate_listener.py), so another replica forgets its index within
milliseconds of the commit; measured against a version check and no cache in bench/topology.py.
SQLite is the embedded mode, one process: the in-process invalidation is all it needs.
"""

import asyncio
from dataclasses import dataclass
from datetime import date

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.clock import today
from servicekit.db import read_transaction
from services.subscriptions import repository as repo
from services.subscriptions.plate_listener import CHANNEL, PlateListener, asyncpg_dsn


@dataclass(frozen=True)
class Entitlement:
    """One active subscription's right to park one plate at one site."""

    start: date | None
    end: date | None

    def covers(self, day: date) -> bool:
        # The subscription ends at the start of its end date (the workflow's timer fires then).
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class PlateAnswer:
    authorized: bool
    subscription_end: date | None


Index = dict[tuple[int, str], list[Entitlement]]


class PlateIndex:
    """(site, plate) -> entitlements of active subscriptions at licence-plate sites, and of
    their temporary vehicles (each within its own days)."""

    def __init__(self) -> None:
        self._index: Index | None = None
        self._generation = 0
        self._lock = asyncio.Lock()
        self._listener: PlateListener | None = None
        self._shared_database: bool | None = None

    def invalidate(self) -> None:
        """Forget the index; the next check rebuilds it."""
        self._generation += 1
        self._index = None

    async def invalidate_after_commit(self, session: AsyncSession) -> None:
        """Forget the index now and again once `session` commits the change.

        On PostgreSQL the NOTIFY to the other replicas is sent now, inside the transaction:
        PostgreSQL delivers it only if the change commits, and sent at the commit it would be
        one more round trip under the row lock an approval takes last (its offering's: issue 14).
        """
        self.invalidate()
        if session.info.get("plate_index_hooked"):
            return
        session.info["plate_index_hooked"] = True
        event.listen(session.sync_session, "after_commit", lambda _: self.invalidate())
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text(f"NOTIFY {CHANNEL}"))

    async def check(
        self, sessions: async_sessionmaker[AsyncSession], site_id: int, plate: str
    ) -> PlateAnswer:
        """Whether the plate may park at the site today, and until when (no query when warm)."""
        self._listen(sessions)
        index = self._index if self._index is not None else await self._rebuild(sessions)
        day = today()
        covering = [e for e in index.get((site_id, plate), []) if e.covers(day)]
        if not covering:
            return PlateAnswer(False, None)
        ends = [e.end for e in covering]
        return PlateAnswer(True, None if None in ends else max(e for e in ends if e))

    async def _rebuild(self, sessions: async_sessionmaker[AsyncSession]) -> Index:
        async with self._lock:
            if self._index is not None:
                return self._index
            generation = self._generation
            async with read_transaction(sessions) as session:
                rows = await repo.authorized_plates(session)
                # A temporary vehicle's dates are checked on every answer, like a subscription's
                # end: its plate is refused outside them even before its timer ends it.
                temporary = await repo.authorized_temporary_plates(session)
            index: Index = {}
            for site_id, plate, start, end in [*rows, *temporary]:
                index.setdefault((site_id, plate), []).append(Entitlement(start, end))
            if generation == self._generation and self._may_keep():
                self._index = index
            return index

    async def close(self) -> None:
        """Stop listening (the app's shutdown)."""
        if self._listener is not None:
            await self._listener.close()

    def _listen(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        # Started on first use, inside the running loop, for the database the checks read.
        if self._shared_database is not None:
            return
        engine = sessions.kw.get("bind")
        self._shared_database = (
            isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql"
        )
        if self._shared_database and isinstance(engine, AsyncEngine):
            self._listener = PlateListener(asyncpg_dsn(engine.url), self.invalidate)
            self._listener.start()

    def _may_keep(self) -> bool:
        # Replicas share a PostgreSQL database: an index is kept only while this replica hears
        # of every change; meanwhile each check reads the database.
        return self._listener is None or self._listener.trusted
