"""Helpers the workflow suites share: a worker with stand-in activities, waiting, and reading
a worker process's output."""

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workflows.registry import WORKFLOWS


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment, activities: Sequence[Callable[..., Any]], queue: str, **options: Any
) -> AsyncIterator[Worker]:
    """The real workflows, with the given activities registered under the real names."""
    worker = Worker(
        env.client, task_queue=queue, workflows=list(WORKFLOWS), activities=activities, **options
    )
    async with worker:
        yield worker


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait (in real time, so without skipping workflow time) until `check()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def wait_for_line(stream: asyncio.StreamReader, needle: str, timeout: float) -> str:
    """The first line of a process's output holding `needle` (its whole output if it ends)."""

    async def scan() -> str:
        seen = []
        while line := (await stream.readline()).decode():
            seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"worker ended without {needle!r}:\n{''.join(seen)}")

    return await asyncio.wait_for(scan(), timeout)
