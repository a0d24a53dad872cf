"""The HTTP plumbing the portal's clients of the subscriptions and payments services share.

Signed-in calls carry the account's bearer token (`token`); anonymous ones pass `None`. A service
that does not answer is a 503 `ApiError` with the client's own bilingual message; an error
answer becomes the `ApiError` the service described.
"""

from typing import Any, ClassVar

import httpx

from servicekit.messages import Message
from web.api_error import ApiError

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes, str]]


class ServiceClient:
    """Base of `SubscriptionsClient` and `PaymentsClient`: one method per endpoint there."""

    unavailable_code: ClassVar[str]
    unavailable_message: ClassVar[Message]

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
        # The service token tells the service to trust the forwarded address (its throttles).
        headers = {"X-Forwarded-For": ip, "X-Service-Token": self.service_token}
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
            raise ApiError(self.unavailable_code, None, self.unavailable_message, 503) from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    async def _json(self, method: str, path: str, ip: str, token: str | None, **kw: Any) -> Any:
        response = await self._call(method, path, ip, token, **kw)
        return response.json() if response.content else None
