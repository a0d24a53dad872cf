"""Every activity heartbeats while it runs, so a killed worker is noticed in seconds.

An activity scheduled with a `heartbeat_timeout` (`workflows/retries.py`) that stops
heartbeating is retried elsewhere once that timeout passes. The heartbeat proves the worker
process is alive, not that the activity makes progress: a step stuck on a dependency is still
bounded by its start-to-close timeout. One interceptor does it for every activity, so no
activity body has to remember to.
"""

import asyncio
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)


class _Heartbeating(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        timeout = activity.info().heartbeat_timeout
        if not timeout:
            return await self.next.execute_activity(input)
        beats = asyncio.create_task(_beat(timeout.total_seconds() / 4))
        try:
            return await self.next.execute_activity(input)
        finally:
            beats.cancel()


async def _beat(every: float) -> None:
    while True:
        activity.heartbeat()
        await asyncio.sleep(every)


class HeartbeatInterceptor(Interceptor):
    """Give the worker's activities a heartbeat while they run (async activities only)."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Heartbeating(next)
