"""Subscriptions' request dependencies: its components and who may read the plate check."""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers

from servicekit.auth import current_principal, service_token_matches
from servicekit.db import read_transaction, transaction
from servicekit.errors import Forbidden
from servicekit.pdf import Fonts
from servicekit.settings import PlatformSettings
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.lifecycle import Lifecycle
from services.subscriptions.plates import PlateIndex
from services.subscriptions.ports import IdentityPort, PaymentsPort


@dataclass
class Components:
    """What the app builds once in its lifespan and every request uses."""

    settings: SubscriptionsSettings
    platform: PlatformSettings
    sessions: async_sessionmaker[AsyncSession]
    lifecycle: Lifecycle
    plates: PlateIndex
    identity: IdentityPort
    payments: PaymentsPort
    fonts: Fonts

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A short transaction of its own, for endpoints that wait on the workflow.

        An update's workflow writes back through the internal endpoints: the request must not
        hold a transaction (on SQLite, the write lock) while it waits for the outcome.
        """
        async with transaction(self.sessions) as session:
            yield session

    def read_transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The same, for what only reads (no write lock on SQLite; READ ONLY on PostgreSQL)."""
        return read_transaction(self.sessions)


def components(request: Request) -> Components:
    return request.app.state.components  # type: ignore[no-any-return]


ComponentsDep = Annotated[Components, Depends(components)]


async def authorize_plate_reader(parts: Components, headers: Headers) -> None:
    """Cameras and enforcement (service token) or an operator may check a plate."""
    if service_token_matches(headers.get("x-service-token"), parts.platform.service_token):
        return
    principal = await current_principal(headers.get("authorization"))
    if not principal.is_operator:
        raise Forbidden()
