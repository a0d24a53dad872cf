"""The web and the three services of `make run` in one Python process, each on its own port.

Four interpreters each loaded the same libraries (FastAPI, SQLAlchemy, the Temporal SDK,
OpenTelemetry, cryptography...): about 100 MiB of resident memory apiece at rest. One process
serving the four apps holds them once (issue 14: the embedded stack at rest within 600 MiB).
Every app keeps its own port, lifespan, database engine and Temporal client, exactly as when
uvicorn serves it alone; its log lines and `/metrics` name it as before
(servicekit.observability: `current_service`, `OwnSeries`).

    python deploy/embedded/apps.py web=8000 identity=8001 subscriptions=8002 payments=8003 \
        hosted_card=8005

Only the embedded mode runs this: compose, Kubernetes, the topology and the tests run one
uvicorn per app. SIGINT or SIGTERM stops the four gracefully, as uvicorn does one.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from servicekit.observability.context import current_service

FACTORIES = {
    "web": "web.main:create_app",
    "identity": "services.identity.main:create_app",
    "subscriptions": "services.subscriptions.main:create_app",
    "payments": "services.payments.main:create_app",
    # The sandbox processor's hosted card page: its own origin, framed by the portal.
    "hosted_card": "services.payments.hosted_card.main:create_app",
}


class SharedLoopServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to `main`, which stops every server at once
    (each would otherwise take the handlers over from the one before)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server(name: str, port: int) -> SharedLoopServer:
    config = uvicorn.Config(
        FACTORIES[name],
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    return SharedLoopServer(config)


async def serve(name: str, one: SharedLoopServer) -> None:
    current_service.set(name)  # this task's copy of the context: the app's requests inherit it
    await one.serve()
    if not one.started:  # the port was taken, or the app failed to start
        raise SystemExit(f"apps: {name} did not start")


async def main(ports: dict[str, int]) -> None:
    servers = {name: server(name, port) for name, port in ports.items()}

    def stop_all() -> None:
        for one in servers.values():
            one.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)
    tasks = [asyncio.create_task(serve(name, one)) for name, one in servers.items()]
    try:
        # The first to end (a failed start, or the stop) ends the others: `make run` stops
        # everything when one component exits.
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop_all()
        await asyncio.gather(*tasks)
    finally:
        stop_all()


def parse(argv: list[str]) -> dict[str, int]:
    ports = {}
    for arg in argv:
        name, _, port = arg.partition("=")
        if name not in FACTORIES or not port.isdigit():
            raise SystemExit(f"apps: expected NAME=PORT with NAME among {sorted(FACTORIES)}")
        ports[name] = int(port)
    return ports


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
