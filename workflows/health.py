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
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (
                b"\r\n",
                b"\n",
                b"",
            ):
                pass
            parts = request_line.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            status, body = await self._answer(path) if parts[:1] == ["GET"] else (405, {})
            payload = json.dumps(body).encode()
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}.get(
                status, "Service Unavailable"
            )
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
