"""Reading another service's error answer in an activity: retryable or final, and its code.

Only the status and the service's stable error code are kept: a body could hold personal data.
"""

from typing import Any

import httpx
from temporalio.exceptions import ApplicationError

# 4xx answers a retry may fix: a timeout, throttling, or a service token being rotated.
RETRYABLE_4XX = frozenset({401, 403, 408, 425, 429})


def error_code(response: httpx.Response) -> str:
    """The stable `error` code of a platform error body, or an empty string."""
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def http_failure(service: str, response: httpx.Response) -> ApplicationError:
    """The error for an unexpected answer: final for 4xx no retry fixes, retryable otherwise.

    Only the status and the service's error code are kept (a body could hold personal data);
    the code becomes the error's `type`, so the workflow can tell `offering_full` apart.
    """
    code = error_code(response)
    status = response.status_code
    final = 400 <= status < 500 and status not in RETRYABLE_4XX
    return ApplicationError(
        f"{service} answered HTTP {status} {code}".strip(),
        type=code or f"{service}_http_{status}",
        non_retryable=final,
    )
