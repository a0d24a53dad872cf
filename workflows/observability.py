"""The worker's observability: the Temporal SDK's Prometheus metrics (and the email counter on
the same endpoint), Core's logs through the platform's logging, and the worker's logging."""

import logging

from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio import activity, workflow
from temporalio.common import MetricCounter
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from servicekit.observability import ObservabilitySettings, configure_logging
from servicekit.observability.tracing import setup_tracing

log = logging.getLogger("workflows.worker")
# The email activities' names: the `kind` label of parking_emails_total.
EMAIL_KINDS = (
    "send_account_email",
    "subscription_email_user",
    "subscription_email_service_centre",
    "claim_send_receipt",
)
EMAIL_OUTCOMES = ("sent", "failed")
_email_counter: list[MetricCounter] = []


class WorkerObservabilitySettings(BaseSettings):
    """Where the worker serves its metrics and its health (env prefix `WORKER_`)."""

    model_config = SettingsConfigDict(env_prefix="WORKER_", env_file=".env", extra="ignore")

    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9464  # 0: no metrics endpoint
    health_host: str = "127.0.0.1"
    health_port: int = 8004  # 0: no health endpoint


def _core_logging() -> LoggingConfig:
    forward = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    return LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forward
    )


def _telemetry(metrics: PrometheusConfig | None) -> TelemetryConfig:
    return TelemetryConfig(logging=_core_logging(), metrics=metrics)


def build_runtime(settings: WorkerObservabilitySettings) -> Runtime:
    """A runtime exporting the SDK's metrics on `/metrics` (names as docs/operations.md lists
    them); when the port is taken the worker still runs, without metrics, and says so."""
    if not settings.metrics_port:
        return Runtime(telemetry=_telemetry(None))
    prometheus = PrometheusConfig(
        bind_address=f"{settings.metrics_host}:{settings.metrics_port}",
        unit_suffix=True,
        durations_as_seconds=True,
    )
    try:
        return Runtime(telemetry=_telemetry(prometheus))
    except Exception as exc:  # the SDK reports a busy port as a plain exception
        log.warning("worker metrics not served on port %s: %s", settings.metrics_port, exc)
        return Runtime(telemetry=_telemetry(None))


def setup_worker_observability(settings: WorkerObservabilitySettings) -> Runtime:
    """Logging for the worker process and the default runtime every client then uses."""
    observability = ObservabilitySettings()
    configure_logging("worker", observability)
    if observability.observability:
        setup_tracing("worker")  # the activities' httpx calls carry the trace and request id
    # The SDK's loggers put workflow and activity info in `extra` (turned into fields by
    # servicekit.observability.logs); appended to the message as well it would be said twice.
    activity.logger.activity_info_on_message = False
    workflow.logger.workflow_info_on_message = False
    runtime = build_runtime(settings)
    Runtime.set_default(runtime, error_if_already_set=False)
    for kind in EMAIL_KINDS:  # each series exists from the start, at 0
        for outcome in EMAIL_OUTCOMES:
            _emails().add(0, {"kind": kind, "outcome": outcome})
    return runtime


def _emails() -> MetricCounter:
    if not _email_counter:
        meter = Runtime.default().metric_meter
        _email_counter.append(
            meter.create_counter("parking_emails_total", "Emails handed to SMTP, by outcome.")
        )
    return _email_counter[0]


def count_email(outcome: str) -> None:
    """Count one attempt to hand an email to SMTP (`sent` or `failed`), by email activity."""
    kind = activity.info().activity_type if activity.in_activity() else "other"
    _emails().add(1, {"kind": kind, "outcome": outcome})
    if activity.in_activity():
        activity.logger.info("email %s", outcome, extra={"email_outcome": outcome})
