"""One ASGI middleware per app: the request id, the server span, the access-log line and the
HTTP metrics.

The server span is made here rather than by opentelemetry-instrumentation-fastapi, whose
middleware cost the plate check a tenth of its CPU even on the paths it leaves untraced
(bench/observability.py): here an untraced path costs nothing.
"""

import time
from collections.abc import MutableMapping
from typing import Any

from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.observability.context import BAGGAGE_KEY, _request_id, acceptable, new_request_id
from servicekit.observability.http_metrics import observe_request
from servicekit.observability.logs import access_log

UNMATCHED = "unmatched"  # 404s on made-up paths must not create a series each
# Probes and scrapes would be most of the spans and tell nothing. The plate check is a
# camera's read, thousands a minute, with no call behind it: its access line and metrics
# remain, it gets no span.
UNTRACED_PATHS = frozenset({"/metrics", "/healthz", "/readyz", "/v1/plate-check"})
# Paths answered without calling another process: unless the caller sent a trace, their
# request id needs no OpenTelemetry context to travel in (the contextvar serves this
# process's lines), which saves attaching one per plate check. Not /readyz: the web's calls
# the services.
LOCAL_PATHS = frozenset({"/metrics", "/healthz", "/v1/plate-check"})
_PROPAGATED = (b"traceparent", b"tracestate", b"baggage")
_tracer = trace.get_tracer(__name__)


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's template (`/v1/subscriptions/{subscription_id}`), never the path
    itself: paths carry ids, plates and emails."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return (scope.get("root_path", "") or "") + path if path.startswith("/") else path
    return UNMATCHED


def _incoming(scope: Scope) -> tuple[str | None, dict[str, str]]:
    """The caller's X-Request-ID (when acceptable) and its trace headers."""
    request_id, carrier = None, {}
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            request_id = acceptable(value.decode("latin-1"))
        elif name in _PROPAGATED:
            carrier[name.decode()] = value.decode("latin-1")
    return request_id, carrier


class ObservedRequests:
    """Wraps an ASGI app: continues the caller's trace with a server span, sets the request id
    (echoed as `X-Request-ID`, carried as the trace's baggage), logs one line, counts it."""

    def __init__(self, app: ASGIApp, service: str, tracing: bool = True) -> None:
        self.app = app
        self.service = service
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        given, carrier = _incoming(scope)
        context = propagate.extract(carrier) if carrier else None
        request_id = given or _carried_id(context) or new_request_id()
        span = None
        if self.tracing and path not in UNTRACED_PATHS:
            span = _tracer.start_span(method, context, SpanKind.SERVER)
            context = trace.set_span_in_context(span, context)
        ctx_token = None
        if context is not None or path not in LOCAL_PATHS:
            ctx_token = otel_context.attach(baggage.set_baggage(BAGGAGE_KEY, request_id, context))
        id_token = _request_id.set(request_id)
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
            route = route_template(scope)
            seconds = time.perf_counter() - started
            observe_request(self.service, method, route, status, seconds)
            ids = _trace_ids(span or (trace.get_current_span(context) if context else None))
            access_log().write(method, route, status, seconds, request_id, ids)
            if span is not None:
                _end(span, method, route, status)
            _request_id.reset(id_token)
            if ctx_token is not None:
                otel_context.detach(ctx_token)


def _carried_id(context: otel_context.Context | None) -> str | None:
    """The request id in the caller's baggage, when it sent one."""
    if context is None:
        return None
    carried = baggage.get_baggage(BAGGAGE_KEY, context)
    return acceptable(carried if isinstance(carried, str) else None)


def _trace_ids(span: trace.Span | None) -> tuple[str, str] | None:
    """(trace id, span id) in hex of this request's span, or of the caller's when this path
    makes none."""
    if span is None:
        return None
    context = span.get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def _end(span: trace.Span, method: str, route: str, status: int) -> None:
    span.update_name(f"{method} {route}")
    span.set_attribute("http.request.method", method)
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()
