"""Stripe's REST API over plain httpx: form-encoded bodies, the secret key as a bearer token,
an `Idempotency-Key` on every write, and one timeout.

What can be retried is told apart here: no answer (timeout, connection refused), a 5xx, a 429
or a refused key (Stripe's `api_error`, `rate_limit_error`, `authentication_error`) raise
`GatewayUnavailable`, to be retried later with the SAME idempotency key (Stripe then answers
the first request's saved result, so nothing is charged twice). Any other error object is
handed to the caller as `StripeError` (docs/payments-api.md "Processor").
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from services.payments.gateway import GatewayUnavailable

log = logging.getLogger(__name__)

# The API version the adapter was written against (Stripe's `Stripe-Version` header).
STRIPE_VERSION = "2024-06-20"
Params = Mapping[str, Any]


class StripeError(Exception):
    """A 4xx answer with Stripe's error object (`type`, `code`, `decline_code`, ...)."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(f"stripe {status} {error.get('type')} {error.get('code')}")
        self.status = status
        self.error = error

    @property
    def type(self) -> str:
        return str(self.error.get("type") or "")

    @property
    def code(self) -> str:
        return str(self.error.get("code") or "")


def form(params: Params, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: nested objects as `a[b]=v`, lists as `a[0]=v`, booleans as
    `true`/`false`; None left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        key = f"{prefix}[{name}]" if prefix else str(name)
        if value is None:
            continue
        if isinstance(value, Mapping):
            pairs.extend(form(value, key))
        elif isinstance(value, Sequence) and not isinstance(value, str):
            pairs.extend(form({str(i): v for i, v in enumerate(value)}, key))
        elif isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        else:
            pairs.append((key, str(value)))
    return pairs


class StripeClient:
    """One Stripe account's API; the caller owns the idempotency keys."""

    def __init__(
        self,
        api_base: str,
        secret_key: str,
        timeout_seconds: float,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._base = api_base.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {secret_key}",
            "Stripe-Version": STRIPE_VERSION,
        }
        self._own = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout_seconds)

    async def aclose(self) -> None:
        if self._own:
            await self._http.aclose()

    async def post(self, path: str, params: Params, idempotency_key: str) -> dict[str, Any]:
        """A write, retried by the caller with the same key when it raises GatewayUnavailable."""
        headers = self._headers | {"Idempotency-Key": idempotency_key}
        return await self._send("POST", path, headers, form(params))

    async def get(self, path: str) -> dict[str, Any]:
        return await self._send("GET", path, self._headers, None)

    async def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: list[tuple[str, str]] | None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method, f"{self._base}{path}", headers=headers, data=dict(body) if body else None
            )
        except httpx.TimeoutException:
            log.warning("stripe %s %s: no answer in time", method, path)
            raise GatewayUnavailable(reason="timeout") from None
        except httpx.TransportError as exc:
            log.warning("stripe %s %s: %s", method, path, type(exc).__name__)
            raise GatewayUnavailable(reason="unreachable") from None
        return _answer(method, path, response)


RETRYABLE_TYPES = frozenset({"api_error", "rate_limit_error", "authentication_error"})


def _answer(method: str, path: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code < 300 and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code >= 500 or response.status_code == 429 or not isinstance(error, dict):
        log.warning("stripe %s %s: HTTP %s", method, path, response.status_code)
        raise GatewayUnavailable(reason=f"http_{response.status_code}")
    if error.get("type") in RETRYABLE_TYPES:
        log.error("stripe %s %s: %s", method, path, error.get("type"))
        raise GatewayUnavailable(reason=str(error.get("type")))
    raise StripeError(response.status_code, error)
