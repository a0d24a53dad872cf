"""Every process's logs through structlog: stdlib records (uvicorn, SQLAlchemy, temporalio,
ours) and structlog loggers alike get the same fields, the same redaction and one renderer,
JSON or console (`PLATFORM_LOG_FORMAT`)."""

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog

from servicekit.observability.access import AccessLog, ConsoleAccessLog, JsonAccessLog
from servicekit.observability.context import (
    current_request_id,
    current_service,
    current_trace_ids,
)
from servicekit.observability.output import BufferedLines
from servicekit.observability.redaction import redact_personal_data
from servicekit.observability.settings import ObservabilitySettings

EventDict = MutableMapping[str, Any]
_HANDLER_FLAG = "_platform_handler"
# Loggers whose INFO lines would print full URLs (query strings carry emails and plates).
_QUIET = ("httpx", "httpcore", "uvicorn.access", "aiosqlite", "asyncio", "fontTools", "mail.log")


def _service_adder(service: str) -> structlog.types.Processor:
    def add_service(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", current_service.get() or service)
        return event_dict

    return add_service


def add_request_context(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """request_id, trace_id and span_id of the work under way."""
    request_id = current_request_id()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    ids = current_trace_ids()
    if ids is not None:
        event_dict.setdefault("trace_id", ids[0])
        event_dict.setdefault("span_id", ids[1])
    return event_dict


# The SDK's extra names (activity and workflow loggers differ) -> the platform's field names.
_TEMPORAL_FIELDS = (
    ("workflow_id", "workflow_id"),
    ("run_id", "run_id"),
    ("workflow_run_id", "run_id"),
    ("workflow_type", "workflow_type"),
    ("activity_type", "activity_type"),
    ("attempt", "attempt"),
)


def add_temporal_context(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """workflow_id, run_id and activity_type: from the SDK's loggers' `temporal_*` extras, or
    from the running activity for any other logger it calls into."""
    for key in ("temporal_activity", "temporal_workflow"):
        extra = event_dict.pop(key, None)
        if isinstance(extra, dict):
            for name, field in _TEMPORAL_FIELDS:
                if name in extra:
                    event_dict.setdefault(field, extra[name])
    # The Temporal SDK (~40 MiB) is not imported for this: a process that never imported it
    # (the mail catcher) runs no activity (issue 14).
    activity = sys.modules.get("temporalio.activity")
    if "activity_type" not in event_dict and activity is not None and activity.in_activity():
        info = activity.info()
        event_dict.setdefault("workflow_id", info.workflow_id)
        event_dict.setdefault("run_id", info.workflow_run_id)
        event_dict.setdefault("activity_type", info.activity_type)
    event_dict.pop("temporal_log", None)  # Core's forwarded record; its message is kept
    return event_dict


def _shared(service: str) -> list[structlog.types.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _service_adder(service),
        add_request_context,
        add_temporal_context,
    ]


def _json(value: Any, **_: Any) -> str:
    # orjson: a quarter of json.dumps's time on an access line; anything else as its str().
    return orjson.dumps(value, default=str).decode()


def _renderer(settings: ObservabilitySettings) -> structlog.types.Processor:
    if settings.log_format == "json":
        return structlog.processors.JSONRenderer(serializer=_json)
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())


def _formatter(service: str, settings: ObservabilitySettings) -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_shared(service)],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_personal_data,  # last before rendering: tracebacks are scrubbed too
            _renderer(settings),
        ],
    )


_access: list[AccessLog] = []
_access_output: list[BufferedLines] = []


def access_log() -> AccessLog:
    """The access log, writing straight to stderr through a buffer, without a stdlib record
    per request (bench/observability.py)."""
    if not _access:
        configure_logging("unknown")
    return _access[0]


def _access_log(service: str, settings: ObservabilitySettings) -> AccessLog:
    if not _access_output:  # one buffer (and flushing thread) per process
        _access_output.append(BufferedLines())
    if settings.log_format == "json":
        return JsonAccessLog(service, _access_output[0])
    return ConsoleAccessLog(service, _access_output[0], _renderer(settings))


def configure_logging(service: str, settings: ObservabilitySettings | None = None) -> None:
    """Route this process's logging through structlog to stderr (idempotent).

    Only the platform's own handler on the root logger is replaced; handlers others added
    (pytest's capture) stay. uvicorn's loggers lose their handlers and propagate here.
    """
    s = settings or ObservabilitySettings()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter(service, s))
    setattr(handler, _HANDLER_FLAG, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_FLAG, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(s.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    _access[:] = [_access_log(service, s)]
    structlog.configure(
        processors=[*_shared(service), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
