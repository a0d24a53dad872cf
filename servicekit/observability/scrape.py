"""Business gauges read from a service's database when Prometheus scrapes it."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Sessions = async_sessionmaker[AsyncSession]
Refresh = Callable[[], Awaitable[None]]


def database_refresher(
    refresh: Callable[[Sessions, datetime], Awaitable[None]],
    sessions: Callable[[], Sessions],
) -> Refresh:
    """The scrape-time callback for `observe_app`; `sessions` is asked at each scrape, since
    the sessionmaker exists only once the app has started."""

    async def refresh_now() -> None:
        await refresh(sessions(), datetime.now(UTC))

    return refresh_now
