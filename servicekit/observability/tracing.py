"""OpenTelemetry: one tracer provider per process and httpx instrumented (the server spans
come from servicekit.observability.requests). Spans are exported over OTLP/HTTP only when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces variant) is set; without it they still exist
(their ids are in the logs and travel to the next process) but leave nothing behind."""

import os
from typing import TYPE_CHECKING

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

if TYPE_CHECKING:
    from servicekit.observability.workflow_tracing import CauseTracingInterceptor

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

_configured: list[str] = []


def exporting() -> bool:
    """Whether this process sends its spans anywhere."""
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


def setup_tracing(service: str) -> None:
    """The process's tracer provider (once) and httpx's instrumentation."""
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporting():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument()
    _configured.append(service)


def without_native_telemetry(app: FastAPI) -> None:
    """Recent FastAPI releases trace by themselves once a tracer provider exists, down to
    every dependency and serialization: twice the plate check's CPU (bench/observability.py)
    and spans servicekit.observability.requests already makes. Turned off where the setting exists
    (`FastAPI(telemetry=...)`, read at each request)."""
    config = getattr(app, "_telemetry", None)
    if isinstance(config, dict):
        config.update(tracing=False, metrics=False, logs=False, operation_spans=False)


def temporal_interceptor() -> "CauseTracingInterceptor":
    """Spans for workflow starts, updates, signals, workflow runs and activities; the trace
    context and its baggage travel in Temporal headers. Imported here: the Temporal SDK (~40 MiB)
    stays out of a process that never talks to Temporal (the mail catcher, issue 14)."""
    from servicekit.observability.workflow_tracing import CauseTracingInterceptor

    return CauseTracingInterceptor()
