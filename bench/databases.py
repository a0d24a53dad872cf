"""The services' databases of a bench's stack: SQLite files in its data folder (the embedded
mode), or fresh PostgreSQL databases on a server (`--database-url`), dropped at the end.

    .venv/bin/python bench/accounts.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

SERVICES = ("identity", "subscriptions", "payments")


def sqlite_urls(data: Path) -> dict[str, str]:
    return {
        f"{svc.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{data / f'{svc}.db'}"
        for svc in SERVICES
    }


async def _admin(server_url: str, statements: list[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def database_urls(data: Path, server_url: str | None) -> Iterator[dict[str, str]]:
    """The `*_DATABASE_URL` settings of the stack; PostgreSQL ones exist only meanwhile."""
    if not server_url:
        yield sqlite_urls(data)
        return
    from sqlalchemy.engine import make_url

    run = uuid.uuid4().hex[:8]
    names = {svc: f"bench_{run}_{svc}" for svc in SERVICES}
    asyncio.run(_admin(server_url, [f'CREATE DATABASE "{n}"' for n in names.values()]))
    base = make_url(server_url)
    try:
        yield {
            f"{svc.upper()}_DATABASE_URL": base.set(database=name).render_as_string(
                hide_password=False
            )
            for svc, name in names.items()
        }
    finally:
        drops = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names.values()]
        asyncio.run(_admin(server_url, drops))


def kind(server_url: str | None) -> str:
    """What the report calls the databases."""
    return "PostgreSQL" if server_url else "SQLite"
