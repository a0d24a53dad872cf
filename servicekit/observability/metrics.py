"""Prometheus metrics of a process: `/metrics` (the HTTP families are counted in
servicekit.observability.http_metrics).

Names and labels are the contract of docs/operations.md ("Metrics the rules read").
Gauges that mirror a database (subscriptions by status, this month's invoices) are refreshed
by the service's own callbacks when Prometheus scrapes, so they are right after any restart
and on any replica.
"""

from collections.abc import Awaitable, Callable, Sequence

import prometheus_client
from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

# `_created` companions double the series and no rule reads them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

Refresh = Callable[[], Awaitable[None]]


def install_metrics_route(app: FastAPI, refreshers: Sequence[Refresh] = ()) -> None:
    """`GET /metrics` in Prometheus's text format, after the app's gauges are refreshed."""

    async def metrics() -> Response:
        for refresh in refreshers:
            await refresh()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
