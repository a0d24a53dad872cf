"""Logs, metrics and traces of every process (issue 13): `observe_app` for the web apps and
services, `configure_logging` for the others (worker, mail catcher's SMTP side)."""

from collections.abc import Sequence

from fastapi import FastAPI

from servicekit.observability.logs import configure_logging
from servicekit.observability.metrics import Refresh, install_metrics_route
from servicekit.observability.requests import ObservedRequests
from servicekit.observability.settings import ObservabilitySettings
from servicekit.observability.tracing import setup_tracing, without_native_telemetry

__all__ = ["ObservabilitySettings", "configure_logging", "observe_app"]


def observe_app(
    app: FastAPI,
    service: str,
    refreshers: Sequence[Refresh] = (),
    settings: ObservabilitySettings | None = None,
) -> None:
    """Logs, `/metrics`, the access log with request ids, and traces for one app.

    Call it last in `create_app`: the middleware wraps every other one.
    """
    s = settings or ObservabilitySettings()
    configure_logging(service, s)
    install_metrics_route(app, refreshers, service)
    # Off either way: without a tracer provider FastAPI still asks OpenTelemetry for its
    # three providers at each request (a tenth of the plate check's CPU, bench/observability.py).
    without_native_telemetry(app)
    if not s.observability:
        return
    setup_tracing(service)
    app.add_middleware(ObservedRequests, service=service)
