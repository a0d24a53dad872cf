"""Prometheus metrics of a process: `/metrics` (the HTTP families are counted in
servicekit.observability.http_metrics).

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
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.metrics_core import Metric

# `_created` companions double the series and no rule reads them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

Refresh = Callable[[], Awaitable[None]]


# Family name -> the service whose business metric it is (label-less families otherwise).
_owners: dict[str, str] = {}


def owned_by(service: str, *metrics: Any) -> None:
    """Declare a service's business metrics: where one process serves several apps (`make run`,
    deploy/embedded/apps.py), only that service's `/metrics` shows them."""
    for metric in metrics:
        _owners[metric._name] = service


class OwnSeries:
    """The process's registry as one app sees it: the HTTP series labelled with another
    service, and the business metrics another service owns, left out. With one app per process
    (every mode but `make run`) nothing is left out."""

    def __init__(self, service: str) -> None:
        self.service = service

    def collect(self) -> Any:
        for family in REGISTRY.collect():
            if _owners.get(family.name, self.service) != self.service:
                continue
            kept = [s for s in family.samples if self._ours(s.labels)]
            if family.samples and not kept:
                continue
            own = Metric(family.name, family.documentation, family.type, family.unit)
            own.samples = kept
            yield own

    def _ours(self, labels: dict[str, str]) -> bool:
        return labels.get("service", self.service) == self.service


def install_metrics_route(
    app: FastAPI, refreshers: Sequence[Refresh] = (), service: str | None = None
) -> None:
    """`GET /metrics` in Prometheus's text format, after the app's gauges are refreshed; with
    `service`, only that service's series (see `OwnSeries`)."""
    source: Any = REGISTRY if service is None else OwnSeries(service)

    async def metrics() -> Response:
        for refresh in refreshers:
            await refresh()
        return Response(generate_latest(source), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
