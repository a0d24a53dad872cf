"""Request throttling shared by the services: moving windows counted by `limits`, in memory for
the embedded mode (nothing to install) or in a shared store for several replicas
(`PLATFORM_RATE_LIMIT_STORAGE=redis://host:6379/0`, see README)."""

import logging
import math
import time
from typing import Annotated, Any

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError
from limits.storage import storage_from_string

from servicekit.auth import service_token_matches
from servicekit.errors import DomainError
from servicekit.i18n import bilingual, plural

log = logging.getLogger(__name__)


class RateLimited(DomainError):
    """429 with the wait in the body (`details.retry_after`, the messages) and `Retry-After`."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, *, keep_changes: bool | None = None) -> None:
        super().__init__(retry_after=retry_after, keep_changes=keep_changes)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}

    def body(self) -> dict[str, Any]:
        wait = self.retry_after
        body = super().body()
        body["message"] = bilingual(f"throttle.retry_after.{plural(wait)}", wait=wait)
        return body


def _async_uri(uri: str) -> str:
    """`limits` names its asyncio storages `async+<scheme>`; settings take the plain URI too."""
    return uri if uri.startswith("async+") else f"async+{uri}"


class Throttle:
    """Named rules (`"20/hour"`, `"5/minute;50/day"`) counted per key in one storage."""

    def __init__(self, storage_uri: str, rules: dict[str, str], service_token: str) -> None:
        try:
            storage = storage_from_string(_async_uri(storage_uri))
        except ConfigurationError as exc:  # a typo stops the start, not the first request
            raise ValueError(f"unusable rate-limit storage: {exc}") from exc
        self.limiter = MovingWindowRateLimiter(storage)
        self.rules_text = dict(rules)
        self.rules = {name: parse_many(rule) for name, rule in rules.items()}
        self.service_token = service_token

    async def hit(self, name: str, *keys: str) -> None:
        """Count one request of rule `name` for `keys`; RateLimited once a window is full."""
        wait = await self.wait(name, *keys)
        if wait:
            raise RateLimited(wait)

    async def wait(self, name: str, *keys: str) -> int:
        """Count one request of rule `name` for `keys`: 0 when let through, else the seconds
        until the full window lets one through (nothing counted then)."""
        for item in self.rules[name]:
            if not await self._hit(item, name, keys):
                return await self._wait(item, name, keys)
        return 0

    async def _hit(self, item: RateLimitItem, name: str, keys: tuple[str, ...]) -> bool:
        try:
            return await self.limiter.hit(item, name, *keys)
        except Exception as exc:  # the store is down: serve rather than refuse everyone
            log.warning("rate-limit storage unavailable (%s); request let through", type(exc))
            return True

    async def _wait(self, item: RateLimitItem, name: str, keys: tuple[str, ...]) -> int:
        stats = await self.limiter.get_window_stats(item, name, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))


def client_address(request: Request, service_token: str) -> str:
    """The browser's address: `X-Forwarded-For` only from the web front end (its service token),
    else the connection's peer."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and service_token_matches(request.headers.get("x-service-token"), service_token):
        return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


def throttle_of(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


ThrottleDep = Annotated[Throttle, Depends(throttle_of)]


def per_address(name: str) -> Any:
    """A route dependency counting rule `name` per client address."""

    async def dependency(request: Request) -> None:
        throttle = throttle_of(request)
        await throttle.hit(name, "address", client_address(request, throttle.service_token))

    return Depends(dependency)
