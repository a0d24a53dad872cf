"""The signed-in browser: its identity calls with an access token refreshed when needed, and
one refresh per refresh token across parallel requests."""

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from web.api_error import ApiError
from web.identity_client import Grant, IdentityClient
from web.session import Session

P = ParamSpec("P")
T = TypeVar("T")

REFRESH_MARGIN_SECONDS = 30.0
# A refresh token rotates on use, so parallel requests of one browser (the Temporal Web UI sends
# many codec calls at once) must share one refresh instead of racing with the same token.
REUSE_REFRESH_SECONDS = 30.0


class LoginRequired(Exception):
    """The page needs a signed-in account and this browser has none (or it expired)."""


class RefreshCoordinator:
    """One refresh per refresh token at a time; a just-made grant is reused for a short while."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._recent: dict[str, tuple[float, Grant]] = {}

    async def refresh(self, identity: IdentityClient, ip: str, refresh_token: str) -> Grant:
        """New tokens for `refresh_token`, asking identity at most once per burst."""
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            self._forget_old()
            if key in self._recent:
                return self._recent[key][1]
            try:
                grant = await identity.refresh(ip, refresh_token)
            except ApiError:
                self._locks.pop(key, None)
                raise
            self._recent[key] = (time.monotonic(), grant)
        return grant

    def _forget_old(self) -> None:
        limit = time.monotonic() - REUSE_REFRESH_SECONDS
        for key in [k for k, (at, _) in self._recent.items() if at < limit]:
            del self._recent[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]


class Account:
    """The signed-in browser: calls identity with an access token refreshed when needed."""

    def __init__(
        self, session: Session, identity: IdentityClient, ip: str, refresher: RefreshCoordinator
    ) -> None:
        self.session = session
        self.identity = identity
        self.ip = ip
        self.refresher = refresher

    async def call(
        self, fn: Callable[Concatenate[str, str, P], Awaitable[T]], *args: P.args, **kw: P.kwargs
    ) -> T:
        """`fn(ip, access_token, ...)`, refreshing the token once if expired or rejected."""
        if self.session.access_expires_at - time.time() < REFRESH_MARGIN_SECONDS:
            await self.refresh()
        try:
            return await fn(self.ip, self.access_token, *args, **kw)
        except ApiError as exc:
            if exc.status != 401:
                raise
        await self.refresh()
        try:
            return await fn(self.ip, self.access_token, *args, **kw)
        except ApiError as exc:
            if exc.status == 401:
                self.expire()
                raise LoginRequired() from exc
            raise

    @property
    def access_token(self) -> str:
        """The current access token."""
        return self.session.access_token or ""

    async def refresh(self) -> None:
        """Trade the refresh token for new tokens, or end the session if identity refuses."""
        try:
            grant = await self.refresher.refresh(
                self.identity, self.ip, self.session.refresh_token or ""
            )
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                self.expire()
                raise LoginRequired() from exc
            raise
        self.session.store_tokens(grant.access_token, grant.refresh_token, grant.expires_at)
        self.session.role = grant.role

    def expire(self) -> None:
        """Forget the tokens identity no longer accepts."""
        self.session.sign_out()
        self.session.notice = "notice.session_expired"
