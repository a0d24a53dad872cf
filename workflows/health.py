"""The worker's `/healthz` (it is polling its task queue) and `/readyz` (Temporal answers),
on their own small HTTP port: the worker has no web framework to hang them on."""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import Client

log = logging.getLogger("workflows.health")
CHECK_TIMEOUT = timedelta(seconds=2)


class HealthServer:
    """Answers GET /healthz and /readyz with JSON; anything else is a 404."""

    def __init__(self, client: Client, polling: Callable[[], bool]) -> None:
        self._client = client
        self._polling = polling
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen; a port already taken is logged and the worker goes on without it."""
        try:
            self._server = await asyncio.start_server(self._handle, host, port)
        except OSError as exc:
            log.warning("worker health not served on port %s: %s", port, exc)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _temporal_answers(self) -> bool:
        try:
            return await self._client.service_client.check_health(timeout=CHECK_TIMEOUT)
        except Exception:  # any failure to answer is "not ready"
            return False

    async def _answer(self, path: str) -> tuple[int, dict[str, str]]:
        if path == "/healthz":
            ok = self._polling()
            return (200 if ok else 503), {"status": "ok" if ok else "not polling"}
        if path == "/readyz":
            ok = await self._temporal_answers()
            return (200 if ok else 503), {"status": "ok" if ok else "unavailable",
                                          "temporal": "up" if ok else "down"}  # fmt: skip
        return 404, {"status": "not found"}

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path = await _request_line(reader)
            status, body = await self._answer(path) if method == "GET" else (405, {})
            payload = json.dumps(body).encode()
            head = (
                f"HTTP/1.1 {status} {REASONS.get(status, 'Service Unavailable')}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + payload)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}


async def _request_line(reader: asyncio.StreamReader) -> tuple[str, str]:
    """The request's method and path (query dropped); its headers are read and ignored."""
    first = (await asyncio.wait_for(reader.readline(), timeout=5)).decode("latin-1").split()
    while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b"\n", b""):
        pass
    if len(first) < 2:
        return "", ""
    return first[0], first[1].split("?")[0]
