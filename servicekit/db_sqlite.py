"""How transactions begin on SQLite (the embedded mode): reads never touch the write lock, and
writers of one process queue in arrival order instead of polling for the lock.

SQLite has one write lock per database. A writer that finds it taken waits in SQLite's busy
handler, which sleeps and retries (1, 2, 5 ... then 100 ms at a time): a newcomer can take the
lock between two sleeps of an earlier waiter, again and again, so under load a few transactions
wait seconds while most wait nothing (the signup and login p99s of issue 14). Here each engine
has a FIFO gate: a write transaction first waits its turn in the process (an asyncio lock, woken
in order), then takes the lock with `BEGIN IMMEDIATE`, which then almost never has to wait
(only on another process's writer: the CLI, a migration, a test's own engine).

A read-only transaction (`servicekit.db.read_transaction`, every GET) is a deferred `BEGIN` on
a connection set `query_only`: in WAL mode it reads the last commit without any lock, and a
write in it fails at once instead of taking the lock unseen.

Once a write transaction holds the lock, its statements, its COMMIT and its ROLLBACK run on the
event loop's thread (`_LoopConnection`) instead of aiosqlite's thread: each statement there cost
three or four hand-offs (cursor, execute, fetch, close), each waiting for a turn of a busy event
loop, all while every other writer of the database waited for the lock (py-spy, issue 14). A
statement under the lock never waits for another connection (WAL: readers do not block the
writer), so it takes microseconds to a millisecond of the loop. `BEGIN IMMEDIATE` itself stays
on aiosqlite's thread: it can wait up to the busy timeout for another process's writer. Reads
stay there too: a long read must not stall the loop.
"""

import asyncio
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

from prometheus_client import Histogram
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection
from sqlalchemy.engine import Connection, Engine, interfaces
from sqlalchemy.util.concurrency import await_only, in_greenlet

READ_ONLY = "platform_read_only"
# The execution options of a read-only transaction: ours (SQLite) and PostgreSQL's READ ONLY.
READ_ONLY_OPTIONS = {READ_ONLY: True, "postgresql_readonly": True}
BUSY_TIMEOUT_MS = 30000  # how long SQLite waits for another process's lock
WRITE_TURN_TIMEOUT = 30.0  # seconds, as the busy timeout: then "database is locked"
_QUERY_ONLY = "platform_query_only"

BEGIN_WAIT = Histogram(
    "db_begin_wait_seconds",
    "SQLite: time from a transaction's start to its BEGIN done (the write queue included).",
    ["mode"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_READ_WAIT, _WRITE_WAIT = BEGIN_WAIT.labels("read"), BEGIN_WAIT.labels("write")


class WriteQueueTimeout(TimeoutError):
    """A write transaction waited longer than the busy timeout for its turn."""


class SqliteBegin:
    """The `begin` of one engine's transactions, and the release of its write turn."""

    def __init__(self) -> None:
        # One lock per event loop: tests run engines across several loops.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def install(self, engine: Engine) -> None:
        event.listen(engine, "begin", self.begin)
        # The turn passes on once COMMIT or ROLLBACK is done (the `commit` event comes before):
        # the next writer's BEGIN IMMEDIATE then finds the lock free.
        dialect = engine.dialect
        dialect.do_commit = _then_release(dialect.do_commit)  # type: ignore[method-assign,assignment]
        dialect.do_rollback = _then_release(dialect.do_rollback)  # type: ignore[method-assign,assignment]
        # A connection invalidated mid-transaction never commits nor rolls back: its checkin does.
        event.listen(engine.pool, "checkin", self._checkin)

    def begin(self, connection: Connection) -> None:
        started = time.perf_counter()
        readonly = bool(connection.get_execution_options().get(READ_ONLY))
        info = connection.info
        if readonly:
            _query_only(connection, True)
            connection.exec_driver_sql("BEGIN")
            _READ_WAIT.observe(time.perf_counter() - started)
            return
        lock = self._lock()
        dbapi_connection = _raw(connection.connection)
        if lock is not None:
            await_only(_take_turn(lock))
            _turns[dbapi_connection] = lock
        try:
            if not (
                isinstance(dbapi_connection, _LoopConnection) and dbapi_connection.begin_now(info)
            ):
                _query_only(connection, False)
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits for another process
        except BaseException:
            _release(dbapi_connection)
            raise
        _on_loop.add(dbapi_connection)  # the lock is ours: the rest runs on the loop's thread
        _WRITE_WAIT.observe(time.perf_counter() - started)

    def _checkin(self, dbapi_connection: Any, record: Any) -> None:
        _release(dbapi_connection)

    def _lock(self) -> asyncio.Lock | None:
        """This loop's gate; None outside a loop's greenlet (a synchronous use: no queue)."""
        if not in_greenlet():
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


def _query_only(connection: Connection, readonly: bool) -> None:
    """Set the connection's `query_only` as the transaction needs (it stays until changed)."""
    if connection.info.get(_QUERY_ONLY, False) != readonly:
        connection.exec_driver_sql(f"PRAGMA query_only={'ON' if readonly else 'OFF'}")
        connection.info[_QUERY_ONLY] = readonly


async def _take_turn(lock: asyncio.Lock) -> None:
    try:
        await asyncio.wait_for(lock.acquire(), WRITE_TURN_TIMEOUT)
    except TimeoutError:
        raise WriteQueueTimeout("database is locked (write queue)") from None


# The DBAPI connections whose transaction holds its engine's write turn (each entry leaves at
# the transaction's end or, at the latest, when the connection goes back to the pool).
_turns: dict[Any, asyncio.Lock] = {}


def _raw(connection: Any) -> Any:
    """The DBAPI connection itself, also when given the pool's proxy of it."""
    return getattr(connection, "dbapi_connection", connection)


def _release(dbapi_connection: Any) -> None:
    _on_loop.discard(_raw(dbapi_connection))
    lock = _turns.pop(_raw(dbapi_connection), None)
    if lock is not None and lock.locked():
        lock.release()


def _then_release(end: Callable[[Any], None]) -> Callable[[Any], None]:
    """The dialect's `do_commit` / `do_rollback`, then the write turn handed on."""

    def ended(dbapi_connection: Any) -> None:
        try:
            end(dbapi_connection)
        finally:
            _release(dbapi_connection)

    return ended


# The DBAPI connections in a write transaction that holds the lock: their statements run on the
# calling (event loop's) thread.
_on_loop: set[Any] = set()


def loop_connection(
    dialect: interfaces.Dialect, conn_rec: Any, cargs: Any, cparams: dict[str, Any]
) -> Any:
    """The engine's `do_connect`: aiosqlite's connection, able to run a write transaction's
    statements on the calling thread (its sqlite3 connection is opened for any thread: the
    caller only uses it while aiosqlite's thread has nothing of it to do)."""
    connection = dialect.loaded_dbapi.connect(*cargs, **{**cparams, "check_same_thread": False})
    connection.__class__ = _LoopConnection
    return connection


class _LoopConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's adapted connection; under the write lock, plain sqlite3 on this thread."""

    __slots__ = ()

    def cursor(self, server_side: bool = False) -> Any:
        if not server_side and self in _on_loop:
            return _LoopCursor(self._connection._conn.cursor())
        return super().cursor(server_side)

    def begin_now(self, info: dict[Any, Any]) -> bool:
        """`BEGIN IMMEDIATE` here, on the calling thread, if the lock is free; False when
        another process holds it (then the caller waits for it in aiosqlite's thread). The
        process's own writers queue before this, so the lock is almost always free."""
        sqlite = self._connection._conn
        if info.get(_QUERY_ONLY, False):
            sqlite.execute("PRAGMA query_only=OFF")
            info[_QUERY_ONLY] = False
        sqlite.execute("PRAGMA busy_timeout=0")
        try:
            sqlite.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            return False
        finally:
            sqlite.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return True

    def commit(self) -> None:
        if self in _on_loop:
            self._connection._conn.commit()
        else:
            super().commit()

    def rollback(self) -> None:
        if self in _on_loop:
            self._connection._conn.rollback()
        else:
            super().rollback()


class _LoopCursor:
    """sqlite3's own cursor, run on the calling thread; rows are fetched at once, as aiosqlite's
    adapter does. SQLAlchemy's async layer requires each statement to await something: a
    coroutine that is already done, which costs a greenlet switch but no turn of the loop."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._rows: deque[Any] = deque()
        self.arraysize = 1

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        _switch()
        if parameters is None:
            self._cursor.execute(operation)
        else:
            self._cursor.execute(operation, parameters)
        self._rows = deque(self._cursor.fetchall() if self._cursor.description else ())
        return self

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        _switch()
        self._cursor.executemany(operation, seq_of_parameters)
        self._rows = deque()
        return self

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    @property
    def lastrowid(self) -> Any:
        return self._cursor.lastrowid

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Any:
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        self._rows.clear()
        self._cursor.close()

    async def _async_soft_close(self) -> None:
        """What SQLAlchemy's async layer calls after a statement: the rows are fetched."""


async def _done() -> None:
    return None


def _switch() -> None:
    if in_greenlet():
        await_only(_done())
