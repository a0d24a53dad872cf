"""Test databases: PostgreSQL from TEST_DATABASE_URL, else testcontainers, else SQLite files.

Each run creates its own databases (one per service, as in production), migrates them once with
the real Alembic histories, and drops them at the end. Tests never share rows by accident: each
one creates its own accounts with unique email addresses.
"""

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from servicekit.migrate import upgrade

SERVICES = ("identity", "subscriptions", "payments")


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


async def _admin(server_url: str, statements: list[str]) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


@contextmanager
def _postgres(server_url: str) -> Iterator[dict[str, str]]:
    run = uuid.uuid4().hex[:8]
    names = {svc: f"test_{run}_{svc}" for svc in SERVICES}
    asyncio.run(_admin(server_url, [f'CREATE DATABASE "{n}"' for n in names.values()]))
    base = make_url(server_url)
    urls = {
        svc: base.set(database=name).render_as_string(hide_password=False)
        for svc, name in names.items()
    }
    try:
        yield urls
    finally:
        drops = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names.values()]
        asyncio.run(_admin(server_url, drops))


@contextmanager
def _container() -> Iterator[str]:
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver="asyncpg") as pg:
        yield pg.get_connection_url()


@contextmanager
def provision(tmp: Path) -> Iterator[dict[str, str]]:
    """Fresh, migrated databases for every service; the kind is reported in the test header."""
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        with _postgres(server) as urls:
            _migrate(urls)
            yield urls
    elif _docker_answers():
        with _container() as server_url, _postgres(server_url) as urls:
            _migrate(urls)
            yield urls
    else:
        urls = {svc: f"sqlite+aiosqlite:///{tmp / svc}.db" for svc in SERVICES}
        _migrate(urls)
        yield urls


def _migrate(urls: dict[str, str]) -> None:
    for service, url in urls.items():
        upgrade(service, url)


def kind(urls: dict[str, str]) -> str:
    return make_url(next(iter(urls.values()))).get_backend_name()
