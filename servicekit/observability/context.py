"""The request id of the work under way, carried across processes as W3C baggage.

The HTTP middleware sets it (from `X-Request-ID`, the caller's baggage, or a new one); the
httpx instrumentation and Temporal's TracingInterceptor propagate baggage with the trace, so
the services a page calls, the workflow it starts and its activities' calls back to the
services log the same id.
"""

import itertools
import os
import re
from contextvars import ContextVar

from opentelemetry import baggage, trace

BAGGAGE_KEY = "request_id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The app whose work is under way, where one process serves several (`make run` serves the web
# and the three services from one process: deploy/embedded/apps.py); None: the process's own.
current_service: ContextVar[str | None] = ContextVar("current_service", default=None)


# A random prefix per process and a counter: unique across processes and restarts, 32 hex
# digits like a UUID's, at a quarter of uuid4's cost.
_PREFIX = os.urandom(8).hex()
_counter = itertools.count(1)


def new_request_id() -> str:
    return f"{_PREFIX}{next(_counter):016x}"


def acceptable(candidate: str | None) -> str | None:
    """A caller's id when it is short and plain (it ends up in logs), else None."""
    return candidate if candidate and _SAFE_ID.match(candidate) else None


def current_request_id() -> str | None:
    """This request's id, or the one that came in the trace's baggage (activities)."""
    found = _request_id.get()
    if found is not None:
        return found
    carried = baggage.get_baggage(BAGGAGE_KEY)
    return carried if isinstance(carried, str) else None


def current_trace_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, when one is recording."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
