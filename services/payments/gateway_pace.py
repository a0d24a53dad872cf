"""The pace of card charges sent to the gateway: at most `PAYMENTS_GATEWAY_RATE_PER_SECOND`.

A real processor limits the requests a merchant may send per second; on the first of the month
every card subscription is due at once. Each charge takes the next free slot of a schedule
spaced `1 / rate` apart and waits for it; one whose slot is further away than
`PAYMENTS_GATEWAY_MAX_WAIT_SECONDS` is not sent: the charge answers 503 `gateway_busy`, its
pending row is released, and the billing workflow's activity retries it later (a 503 is a
retryable answer, workflows/service_errors.py), with the same idempotency key.

The schedule is kept per process: with N payments processes the processor sees up to N × rate
(divide the processor's limit by the number of replicas). A rate of 0 sends at once (no limit).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from servicekit.errors import DomainError


class GatewayBusy(DomainError):
    """The processor's rate is taken for longer than a charge may wait: try again later."""

    status_code = 503
    code = "gateway_busy"


class GatewayPace:
    """Slots `1 / rate` apart, handed out in order of arrival (one process's share)."""

    def __init__(
        self,
        rate_per_second: float,
        max_wait_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._max_wait = max(max_wait_seconds, 0.0)
        self._clock, self._sleep = clock, sleep
        self._next = float("-inf")

    async def turn(self) -> None:
        """Wait for this charge's slot; `GatewayBusy` when it is more than the wait allowed."""
        if not self._interval:
            return
        now = self._clock()
        slot = max(now, self._next)
        if slot - now > self._max_wait:
            raise GatewayBusy()
        self._next = slot + self._interval  # taken before sleeping: arrivals queue in order
        if slot > now:
            await self._sleep(slot - now)


_paces: dict[tuple[float, float], GatewayPace] = {}


def pace_of(rate_per_second: float, max_wait_seconds: float) -> GatewayPace:
    """The process's pace for these settings (one schedule per process, shared by its requests)."""
    key = (rate_per_second, max_wait_seconds)
    if key not in _paces:
        _paces[key] = GatewayPace(rate_per_second, max_wait_seconds)
    return _paces[key]
