"""Ended sessions, as identity publishes them: the session cut-offs other services check.

Identity counts each account's sessions (`sv` in every access token). Logout, a password change
or reset bumps the count; deleting the account closes it for good. Identity lists the cut-offs
changed within an access token's lifetime (older ones only concern expired tokens) at
`GET /internal/v1/session-cutoffs`; each service process keeps that list for a couple of seconds
and refuses a token whose `sv` is below its account's cut-off, or any token of a closed account.
Identity's database is the only truth: every replica reads it, none keeps its own.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from servicekit.errors import DomainError

CUTOFFS_PATH = "/internal/v1/session-cutoffs"


class RevocationUnavailable(DomainError):
    """Identity has not answered for too long: a token can no longer be known to be live."""

    status_code = 503
    code = "identity_unavailable"


@dataclass(frozen=True)
class Cutoff:
    """Tokens of the account with `sv` below `session_version` are refused; all if `closed`."""

    session_version: int
    closed: bool

    def refuses(self, session_version: int) -> bool:
        return self.closed or session_version < self.session_version


class SessionCutoffs:
    """Identity's list of cut-offs, fetched again once older than `refresh_seconds`.

    When identity cannot be reached the last list is used for up to `max_stale_seconds`; after
    that, tokens are not accepted at all (503), rather than accepted without knowing.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        identity_url: str,
        service_token: str,
        refresh_seconds: float = 2.0,
        max_stale_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = identity_url.rstrip("/") + CUTOFFS_PATH
        self._headers = {"X-Service-Token": service_token}
        self._refresh = refresh_seconds
        self._max_stale = max_stale_seconds
        self._clock = clock
        self._cutoffs: dict[str, Cutoff] = {}
        self._loaded_at: float | None = None
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()

    async def check(self, account_id: str, session_version: int) -> bool:
        """Whether a token of `account_id` carrying `session_version` is still live."""
        await self._ensure_fresh()
        cutoff = self._cutoffs.get(account_id)
        return cutoff is None or not cutoff.refuses(session_version)

    async def _ensure_fresh(self) -> None:
        if self._age() < self._refresh:
            return
        async with self._lock:  # one fetch for every request waiting on it
            if self._age() >= self._refresh and self._may_try():
                await self._fetch()
        if self._age() > self._max_stale:
            raise RevocationUnavailable()

    def _age(self) -> float:
        return float("inf") if self._loaded_at is None else self._clock() - self._loaded_at

    def _may_try(self) -> bool:
        # After a failure, wait `refresh_seconds` before trying again (no storm on identity).
        return self._tried_at is None or self._clock() - self._tried_at >= self._refresh

    async def _fetch(self) -> None:
        self._tried_at = self._clock()
        try:
            response = await self._http.get(self._url, headers=self._headers, timeout=3.0)
            response.raise_for_status()
            self._cutoffs = _parse(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return  # the last list stands until it is too old
        self._loaded_at = self._tried_at


def _parse(body: Any) -> dict[str, Cutoff]:
    return {
        str(row["account_id"]): Cutoff(int(row["session_version"]), bool(row["closed"]))
        for row in body["cutoffs"]
    }
