"""Prometheus metrics of a process: the HTTP families every app exports, and `/metrics`.

Names and labels are the contract of docs/operations.md ("Metrics the rules read").
Gauges that mirror a database (subscriptions by status, this month's invoices) are refreshed
by the service's own callbacks when Prometheus scrapes, so they are right after any restart
and on any replica.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import prometheus_client
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

# `_created` companions double the series and no rule reads them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

Refresh = Callable[[], Awaitable[None]]

HTTP_REQUESTS = Counter(
    "http_requests",  # exported as http_requests_total
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


_children: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}


def observe_request(service: str, method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and its duration (label children looked up once)."""
    key = (service, method, route, status)
    found = _children.get(key)
    if found is None:
        found = (
            HTTP_REQUESTS.labels(service, method, route, str(status)),
            HTTP_DURATION.labels(service, method, route),
        )
        _children[key] = found
    found[0].inc()
    found[1].observe(seconds)


def install_metrics_route(app: FastAPI, refreshers: Sequence[Refresh] = ()) -> None:
    """`GET /metrics` in Prometheus's text format, after the app's gauges are refreshed."""

    async def metrics() -> Response:
        for refresh in refreshers:
            await refresh()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
