"""Serving an in-process app over real HTTP, and running a service as a real process."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.mail import free_port

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def served(app: FastAPI, port: int = 0) -> AsyncIterator[str]:
    """The app over real HTTP on `port` (0: a free one); its lifespan is already running."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def start_service(factory: str, **settings: str) -> tuple[asyncio.subprocess.Process, str]:
    """`uvicorn --factory <factory>` as its own process on a free port, once `/readyz` answers;
    `settings` are more environment variables."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)),
        "--log-level=warning",
        cwd=ROOT,
        env=os.environ | settings,
    )
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError(f"{factory} exited with {process.returncode}")
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return process, url
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    await process.wait()
    raise AssertionError(f"{factory} never became ready")


async def stop(process: asyncio.subprocess.Process | None) -> None:
    """SIGTERM a process still running and wait for it."""
    if process is not None and process.returncode is None:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
