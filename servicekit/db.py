"""Database plumbing every service shares: declarative base, engine, one transaction per request."""

import os
import weakref
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from servicekit.db_sqlite import BUSY_TIMEOUT_MS, READ_ONLY_OPTIONS, SqliteBegin, loop_connection
from servicekit.errors import DomainError

READ_METHODS = frozenset({"GET", "HEAD"})

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with explicit constraint names, so migrations are the same on every database."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # The driver must not emit its own deferred BEGIN: see _SqliteBegin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # NORMAL with WAL: a commit appends to the WAL without waiting for the disk (fsync happens
    # at checkpoints). The database stays consistent after a crash of the process or of the
    # machine (WAL frames are checksummed; a torn tail is discarded); only a power loss or an
    # OS crash can lose the last commits, never corrupt anything. A process crash loses nothing:
    # the WAL is in the OS's page cache. FULL made every write transaction wait for a disk sync
    # while it held the database's one write lock (issue 14).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite files get their folder, foreign keys, WAL and the fair write
    queue of `servicekit.db_sqlite`."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "do_connect", loop_connection)
        SqliteBegin().install(engine.sync_engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # PostgreSQL: keep 10 connections open rather than SQLAlchemy's 5. Under load (20 requests
    # in flight and their polls) every connection beyond the kept ones was opened for one
    # transaction and closed at its end: a TCP connection, a server process, authentication
    # and the driver's type look-ups each time, on the request's path (issue 14). At most 15
    # per engine, as before: the server's connections are shared by every replica.
    if "poolclass" not in kwargs:  # NullPool (migrations) keeps none
        pool_size, max_overflow = pool_limits()
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", max_overflow)
    return create_async_engine(url, **kwargs)


def pool_limits() -> tuple[int, int]:
    """(connections kept, extra ones under load) per PostgreSQL engine: 10 and 5, or
    `PLATFORM_DATABASE_POOL_SIZE` and `PLATFORM_DATABASE_MAX_OVERFLOW`. Every replica of every
    service opens its own pool on the one server (`max_connections`, 100 by default, 3 of them
    kept for superusers): with many replicas, lower them so that replicas × (kept + extra)
    stays under it (`make topology` runs 10 pools of 5 + 3)."""
    return (
        _positive("PLATFORM_DATABASE_POOL_SIZE", 10),
        _positive("PLATFORM_DATABASE_MAX_OVERFLOW", 5, minimum=0),
    )


def _positive(name: str, default: int, minimum: int = 1) -> int:
    """An integer setting from the environment; a wrong one stops the process, naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep objects readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    maker: async_sessionmaker[AsyncSession], *, readonly: bool = False
) -> AsyncIterator[AsyncSession]:
    """A session committed on success and rolled back on error (kept for `keep_changes` errors).

    `readonly=True` (or `read_transaction`): a transaction that only reads. On SQLite it is a
    deferred `BEGIN` on a `query_only` connection, so it never takes or waits for the write lock
    (WAL readers see the last commit); on PostgreSQL it is `READ ONLY`. A write in it fails.
    """
    # The read-only engine shares the pool; the connection is taken at the first query, as for
    # a write transaction, not held while the request does something else first.
    async with maker(bind=_read_only_engine(maker)) if readonly else maker() as session:
        try:
            yield session
        except DomainError as exc:
            await (session.commit() if exc.keep_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        # Outside the handlers: a failed commit is reported as itself (closing the session rolls
        # back what is left), never masked by a rollback of a transaction that did commit.
        await session.commit()


_READ_ONLY_ENGINES: "weakref.WeakKeyDictionary[Engine, AsyncEngine]" = weakref.WeakKeyDictionary()


def _read_only_engine(maker: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The maker's engine with the read-only execution options (made once per engine: each
    one registers its own connect listener)."""
    engine: AsyncEngine = maker.kw["bind"]
    found = _READ_ONLY_ENGINES.get(engine.sync_engine)
    if found is None:
        found = _READ_ONLY_ENGINES[engine.sync_engine] = engine.execution_options(
            **READ_ONLY_OPTIONS
        )
    return found


async def reading_only(session: AsyncSession) -> None:
    """Make the session's next transaction read-only (call it before its first query): for a
    request that reads first, commits, then writes (login)."""
    await session.connection(execution_options=READ_ONLY_OPTIONS)


def read_transaction(
    maker: async_sessionmaker[AsyncSession],
) -> AbstractAsyncContextManager[AsyncSession]:
    """`transaction(maker, readonly=True)`: for what only reads (every GET)."""
    return transaction(maker, readonly=True)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request; every app keeps its sessionmaker in `app.state`. A GET or
    HEAD only reads: its transaction is read-only (no SQLite write lock, no wait for it)."""
    readonly = request.method in READ_METHODS
    async with transaction(request.app.state.sessionmaker, readonly=readonly) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit is
# reported as an error instead of a success that did not last.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


class Base(DeclarativeBase):
    """Never used directly: each service declares its own base with its own metadata."""

    __abstract__ = True
