"""Typed calls to the payments service (docs/payments-api.md), on behalf of a browser.

Signed-in calls carry the account's bearer token (first two arguments: the caller's address and
that token, as in `SubscriptionsClient`); the claim-notice lookup and payment are anonymous
(`token=None`). Errors raise the same `ApiError` as identity's client.
"""

from typing import Any

import httpx

from servicekit.messages import message
from web.identity_client import ApiError

UNAVAILABLE = message(
    "Le service des paiements est momentanément indisponible; réessayez dans quelques instants.",
    "The payments service is temporarily unavailable; please try again in a moment.",
)

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes, str]]


class PaymentsClient:
    """One method per payments endpoint the portal uses; errors raise `ApiError`."""

    def __init__(self, http: httpx.AsyncClient, service_token: str) -> None:
        self.http = http
        self.service_token = service_token

    async def _call(
        self,
        method: str,
        path: str,
        ip: str,
        token: str | None,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        files: Files | None = None,
    ) -> httpx.Response:
        headers = {"X-Forwarded-For": ip}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.http.request(
                method,
                path,
                json=body,
                data=form,
                files=files,
                params=query or None,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise ApiError("payments_unavailable", None, UNAVAILABLE, 503) from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    async def _json(self, method: str, path: str, ip: str, token: str | None, **kw: Any) -> Any:
        response = await self._call(method, path, ip, token, **kw)
        return response.json() if response.content else None

    # --- Payment methods, balance, invoices and receipts (step 5, card update) ---------------

    # --- Claim notices and the operators' payment views ---------------------------------------
