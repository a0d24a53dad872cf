"""Helpers the workflow suites share: a worker with stand-in activities, waiting, and reading
a worker process's output."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from workflows.registry import INTERCEPTORS, WORKFLOWS, install_actor_keys


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment, activities: Sequence[Callable[..., Any]], queue: str, **options: Any
) -> AsyncIterator[Worker]:
    """The real workflows, with the given activities registered under the real names."""
    options.setdefault("interceptors", list(INTERCEPTORS))
    install_actor_keys(PlatformSettings())
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


ROOT = Path(__file__).resolve().parents[2]


async def start_worker_process(
    env: WorkflowEnvironment, queue: str, **settings: str
) -> asyncio.subprocess.Process:
    """`python -m workflows.worker` on `queue` of `env`'s server, once it polls; `settings` are
    more environment variables (its export schedules stay off: tests share servers)."""
    environment = os.environ | {
        "PLATFORM_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "PLATFORM_TEMPORAL_NAMESPACE": env.client.namespace,
        "PLATFORM_TEMPORAL_TASK_QUEUE": queue,
        "WORKFLOWS_EXPORT_SCHEDULES": "false",
        **settings,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "workflows.worker",
        cwd=ROOT,
        env=environment,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        await wait_for_line(process.stderr, f"worker polling task queue {queue}", timeout=30)
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return process
