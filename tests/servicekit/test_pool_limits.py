"""The PostgreSQL pool of each engine is a setting: replicas × pool must fit the server."""

import pytest

from servicekit.db import make_engine, pool_limits

URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def test_each_engine_keeps_10_and_5_more_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PLATFORM_DATABASE_POOL_SIZE", raising=False)
    monkeypatch.delenv("PLATFORM_DATABASE_MAX_OVERFLOW", raising=False)
    assert pool_limits() == (10, 5)
    monkeypatch.setenv("PLATFORM_DATABASE_POOL_SIZE", "5")
    monkeypatch.setenv("PLATFORM_DATABASE_MAX_OVERFLOW", "3")
    engine = make_engine(URL)  # no connection is made until a query
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (5, 3)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("name", "value"),
    [("PLATFORM_DATABASE_POOL_SIZE", "0"), ("PLATFORM_DATABASE_MAX_OVERFLOW", "-1")],
)
def test_a_wrong_pool_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        pool_limits()
