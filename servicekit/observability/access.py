"""The access log: one line per HTTP request (method, route template, status, duration,
request id, and the trace's ids when there is one), logger `access`.

In JSON (production) the line is one orjson call on a dict the middleware's values fill, with
no structlog chain: its fields are ids, templates and figures the platform makes itself (all
in redaction.SAFE_KEYS, which the chain's redaction would leave as they are), and the chain
cost the plate check three times what the line itself costs (bench/observability.py). The
console format (people reading `make run`) keeps structlog's renderer.
"""

import time
from typing import Any, Protocol

import orjson
import structlog

from servicekit.observability.context import current_service
from servicekit.observability.output import BufferedLines
from servicekit.observability.redaction import redact_personal_data

TraceIds = tuple[str, str] | None


class AccessLog(Protocol):
    def write(
        self, method: str, route: str, status: int, seconds: float, request_id: str, ids: TraceIds
    ) -> None: ...


class _Clock:
    """structlog's ISO timestamp (`2026-12-05T11:22:46.123456Z`) for a fraction of
    `datetime.now(UTC).isoformat()`: the date and time are formatted once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def now(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{int((now - second) * 1_000_000):06d}Z"


class JsonAccessLog:
    """One JSON object per line, the same field names as every other line."""

    def __init__(self, service: str, output: BufferedLines) -> None:
        self._service = service
        self._write = output.write
        self._clock = _Clock()

    def write(
        self, method: str, route: str, status: int, seconds: float, request_id: str, ids: TraceIds
    ) -> None:
        line = {
            "event": "request",
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "logger": "access",
            "level": "info",
            "timestamp": self._clock.now(),
            # The app serving it where one process serves several (`make run`).
            "service": current_service.get() or self._service,
            "request_id": request_id,
        }
        if ids is not None:
            line["trace_id"], line["span_id"] = ids
        self._write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))


class ConsoleAccessLog:
    """structlog's console renderer, as the other lines of `make run`."""

    def __init__(self, service: str, output: BufferedLines, renderer: Any) -> None:
        self._logger = structlog.wrap_logger(
            output,
            processors=[
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                redact_personal_data,
                renderer,
            ],
            wrapper_class=structlog.BoundLogger,
            context_class=dict,
        ).bind(logger="access")
        self._service = service

    def write(
        self, method: str, route: str, status: int, seconds: float, request_id: str, ids: TraceIds
    ) -> None:
        trace = {"trace_id": ids[0], "span_id": ids[1]} if ids is not None else {}
        service = current_service.get() or self._service  # the app, where a process has several
        self._logger.info(
            "request", service=service, method=method, route=route, status=status,
            duration_ms=round(seconds * 1000, 2), request_id=request_id, **trace,
        )  # fmt: skip
