"""Transactions of servicekit.db: reads never wait for SQLite's write lock nor write; writers of a
process take their turn in arrival order (servicekit/db_sqlite.py, issue 14)."""

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from servicekit.db import make_engine, make_sessionmaker, read_transaction, transaction


@pytest.fixture
async def sqlite_sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "t.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE items (n INTEGER)"))
        await conn.execute(text("INSERT INTO items VALUES (1)"))
    yield path, make_sessionmaker(engine)
    await engine.dispose()


async def test_a_read_goes_through_while_another_process_holds_the_write_lock(
    sqlite_sessions,  # type: ignore[no-untyped-def]
) -> None:
    path, sessions = sqlite_sessions
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer, say the CLI
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO items VALUES (2)")
    try:
        async with read_transaction(sessions) as session:
            rows = (await session.execute(text("SELECT n FROM items ORDER BY n"))).scalars()
            assert list(rows) == [1]  # the last commit, without waiting for the writer
    finally:
        other.execute("COMMIT")
        other.close()
    async with read_transaction(sessions) as session:
        rows = (await session.execute(text("SELECT n FROM items ORDER BY n"))).scalars()
        assert list(rows) == [1, 2]


async def test_a_write_waits_for_another_process_writer_then_commits(
    sqlite_sessions,  # type: ignore[no-untyped-def]
) -> None:
    path, sessions = sqlite_sessions
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO items VALUES (2)")

    async def write() -> None:
        async with transaction(sessions) as session:
            await session.execute(text("INSERT INTO items VALUES (3)"))

    writing = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writing.done()  # waiting for the other writer, the loop still turning
    other.execute("COMMIT")
    other.close()
    await writing
    async with read_transaction(sessions) as session:
        rows = (await session.execute(text("SELECT n FROM items ORDER BY rowid"))).scalars()
        assert list(rows) == [1, 2, 3]


async def test_a_failed_write_leaves_nothing_and_the_next_one_commits(sqlite_sessions) -> None:  # type: ignore[no-untyped-def]
    _, sessions = sqlite_sessions
    with pytest.raises(DBAPIError):
        async with transaction(sessions) as session:
            await session.execute(text("INSERT INTO items VALUES (5)"))
            await session.execute(text("INSERT INTO nowhere VALUES (6)"))
    async with transaction(sessions) as session:
        await session.execute(text("INSERT INTO items VALUES (7)"))
    async with read_transaction(sessions) as session:
        rows = (await session.execute(text("SELECT n FROM items ORDER BY rowid"))).scalars()
        assert list(rows) == [1, 7]


async def test_a_write_in_a_read_transaction_fails(sqlite_sessions) -> None:  # type: ignore[no-untyped-def]
    _, sessions = sqlite_sessions
    with pytest.raises(DBAPIError, match="readonly"):
        async with read_transaction(sessions) as session:
            await session.execute(text("INSERT INTO items VALUES (3)"))
    # The same pooled connection writes again in a write transaction.
    async with transaction(sessions) as session:
        await session.execute(text("INSERT INTO items VALUES (4)"))
    async with read_transaction(sessions) as session:
        rows = (await session.execute(text("SELECT n FROM items ORDER BY n"))).scalars()
        assert list(rows) == [1, 4]


async def test_writers_of_one_process_commit_in_the_order_they_asked(sqlite_sessions) -> None:  # type: ignore[no-untyped-def]
    _, sessions = sqlite_sessions
    release_first = asyncio.Event()

    async def first() -> None:
        async with transaction(sessions) as session:
            await session.execute(text("INSERT INTO items VALUES (10)"))
            await release_first.wait()  # holds the write lock meanwhile

    async def writer(n: int) -> None:
        async with transaction(sessions) as session:
            await session.execute(text(f"INSERT INTO items VALUES ({n})"))

    tasks = [asyncio.create_task(first())]
    await asyncio.sleep(0.2)
    for n in (11, 12, 13, 14):
        tasks.append(asyncio.create_task(writer(n)))
        await asyncio.sleep(0.2)  # each one asks after the previous one (arrival order)
    release_first.set()
    await asyncio.gather(*tasks)
    async with read_transaction(sessions) as session:
        rows = (await session.execute(text("SELECT n FROM items ORDER BY rowid"))).scalars()
        assert list(rows) == [1, 10, 11, 12, 13, 14]


async def test_a_read_transaction_on_the_services_database_refuses_writes(
    database_urls: dict[str, str],
) -> None:
    """The same on PostgreSQL (READ ONLY) when TEST_DATABASE_URL names one."""
    engine = make_engine(database_urls["identity"])
    sessions = make_sessionmaker(engine)
    try:
        async with read_transaction(sessions) as session:
            count = (await session.execute(text("SELECT count(*) FROM accounts"))).scalar_one()
            assert count >= 0
        with pytest.raises(DBAPIError, match=r"(?i)read-?only"):
            async with read_transaction(sessions) as session:
                await session.execute(text("UPDATE accounts SET email = email"))
        async with transaction(sessions) as session:  # the pooled connection writes again
            await session.execute(text("UPDATE accounts SET email = email"))
    finally:
        await engine.dispose()
