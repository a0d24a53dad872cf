"""Observability settings (env prefix `PLATFORM_`), shared by every process."""

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class ObservabilitySettings(BaseSettings):
    """How a process logs and whether it observes its requests.

    `PLATFORM_LOG_FORMAT=json` gives one JSON object per line (production, log shippers);
    the default `console` is for people reading `make run`. `PLATFORM_OBSERVABILITY=false`
    turns off the access log, the request metrics and tracing (the bench compares both).
    Traces are exported only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (OpenTelemetry's own
    variable, read by its exporter).
    """

    model_config = SettingsConfigDict(env_prefix="PLATFORM_", env_file=".env", extra="ignore")

    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    observability: bool = True
