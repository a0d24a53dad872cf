"""One ASGI middleware per app: the request id, the access-log line and the HTTP metrics."""

import time
from collections.abc import MutableMapping
from typing import Any

from opentelemetry import baggage
from opentelemetry import context as otel_context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.observability.context import (
    BAGGAGE_KEY,
    _request_id,
    acceptable,
    current_request_id,
    new_request_id,
)
from servicekit.observability.logs import access_logger
from servicekit.observability.metrics import observe_request

UNMATCHED = "unmatched"  # 404s on made-up paths must not create a series each


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's template (`/v1/subscriptions/{subscription_id}`), never the path
    itself: paths carry ids, plates and emails."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return (scope.get("root_path", "") or "") + path if path.startswith("/") else path
    return UNMATCHED


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            found = acceptable(value.decode("latin-1"))
            if found:
                return found
    return acceptable(current_request_id()) or new_request_id()


class ObservedRequests:
    """Wraps an ASGI app: sets the request id (echoed as `X-Request-ID` and put in the
    trace's baggage), logs one line per request and counts it."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_id(scope)
        id_token = _request_id.set(request_id)
        ctx_token = otel_context.attach(baggage.set_baggage(BAGGAGE_KEY, request_id))
        status = 500  # what the client gets when the app raises before answering
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            otel_context.detach(ctx_token)
            _request_id.reset(id_token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        observe_request(self.service, scope["method"], route, status, seconds)
        access_logger().info(
            "request",
            method=scope["method"],
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
        )
