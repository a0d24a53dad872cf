"""Typed calls to the identity service, as the trusted back-end-for-front-end."""

import time
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import httpx

from servicekit.i18n import bilingual
from servicekit.messages import Message, message

UNAVAILABLE = bilingual("service.identity.unavailable")
REFUSED = bilingual("service.refused")


def _message(raw: object) -> Message:
    """A bilingual message from JSON, or a generic refusal when it has neither language."""
    if isinstance(raw, dict) and (raw.get("fr") or raw.get("en")):
        fr, en = str(raw.get("fr") or raw.get("en")), str(raw.get("en") or raw.get("fr"))
        return message(fr, en)
    return REFUSED


@dataclass
class FieldError:
    """One field the service refused, with its bilingual message."""

    field: str
    code: str
    message: Message


@dataclass(eq=False)
class ApiError(Exception):
    """An error answered by a service: stable code, offending field, bilingual message, status."""

    code: str
    field: str | None
    message: Message
    status: int
    details: dict[str, Any] = dc_field(default_factory=dict)
    errors: list[FieldError] = dc_field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ApiError":
        """Read the platform's error JSON; anything else becomes a generic error."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        details = body.get("details")
        field_name = body.get("field")
        return cls(
            code=str(body.get("error") or "http_error"),
            field=str(field_name) if field_name else None,
            message=_message(body.get("message")),
            status=response.status_code,
            details=details if isinstance(details, dict) else {},
            errors=[
                FieldError(str(e.get("field")), str(e.get("code")), _message(e.get("message")))
                for e in body.get("errors") or []
                if isinstance(e, dict)
            ],
        )

    @classmethod
    def unavailable(cls) -> "ApiError":
        """Identity could not be reached."""
        return cls(code="identity_unavailable", field=None, message=UNAVAILABLE, status=503)

    def field_errors(self) -> dict[str, Message]:
        """Messages by field: every validation entry, or the single field the error names."""
        found = {e.field: e.message for e in self.errors}
        if self.field and self.field not in found:
            found[self.field] = self.message
        return found


@dataclass(frozen=True)
class Grant:
    """Tokens and account summary returned by a login or a refresh."""

    access_token: str
    refresh_token: str
    expires_at: float
    account_id: str
    role: str
    language: str
    profile_complete: bool

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Grant":
        """Read a `POST /v1/sessions` answer."""
        account = body.get("account") or {}
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_at=time.time() + float(body.get("expires_in", 600)),
            account_id=str(account.get("id", "")),
            role=str(account.get("role", "user")),
            language=str(account.get("language", "fr")),
            profile_complete=bool(account.get("profile_complete", False)),
        )


class IdentityClient:
    """One method per identity endpoint the portal uses; errors raise `ApiError`."""

    def __init__(self, http: httpx.AsyncClient, service_token: str) -> None:
        self.http = http
        self.service_token = service_token

    async def _call(
        self,
        method: str,
        path: str,
        client_ip: str,
        body: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        headers = {"X-Service-Token": self.service_token, "X-Forwarded-For": client_ip}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self.http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError.unavailable() from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    async def signup(
        self, ip: str, email: str, password: str, confirmation: str, lang: str
    ) -> None:
        """Open an account; the answer is the same whether or not the email is known."""
        body = {
            "email": email,
            "password": password,
            "password_confirmation": confirmation,
            "language": lang,
        }
        await self._call("POST", "/v1/accounts", ip, body)

    async def verify_email(self, ip: str, token: str) -> None:
        """Validate an email address with the token of the emailed link."""
        await self._call("POST", "/v1/accounts/verification", ip, {"token": token})

    async def resend_verification(self, ip: str, email: str) -> None:
        """Send the verification email again (silently throttled by identity)."""
        await self._call("POST", "/v1/accounts/verification/resend", ip, {"email": email})

    async def login(self, ip: str, email: str, password: str) -> Grant:
        """Open a session with an email and a password."""
        body = {"email": email, "password": password}
        return Grant.from_body((await self._call("POST", "/v1/sessions", ip, body)).json())

    async def refresh(self, ip: str, refresh_token: str) -> Grant:
        """Trade the refresh token for new tokens (the refresh token rotates)."""
        body = {"refresh_token": refresh_token}
        response = await self._call("POST", "/v1/sessions/refresh", ip, body)
        return Grant.from_body(response.json())

    async def logout(self, ip: str, token: str) -> None:
        """Revoke every token of the account issued until now."""
        await self._call("POST", "/v1/sessions/logout", ip, {}, token)

    async def request_password_reset(self, ip: str, email: str) -> None:
        """Email a reset link if the account exists (same answer either way)."""
        await self._call("POST", "/v1/password-resets", ip, {"email": email})

    async def confirm_password_reset(
        self, ip: str, token: str, password: str, confirmation: str
    ) -> None:
        """Set a new password with the token of the emailed link."""
        body = {"token": token, "password": password, "password_confirmation": confirmation}
        await self._call("POST", "/v1/password-resets/confirm", ip, body)

    async def me(self, ip: str, token: str) -> dict[str, Any]:
        """The signed-in account with its profile."""
        body: dict[str, Any] = (await self._call("GET", "/v1/me", ip, token=token)).json()
        return body

    async def update_profile(self, ip: str, token: str, profile: dict[str, Any]) -> dict[str, Any]:
        """Replace the personal information; returns it as stored."""
        body: dict[str, Any] = (
            await self._call("PUT", "/v1/me/profile", ip, profile, token)
        ).json()
        return body

    async def change_password(
        self, ip: str, token: str, current: str, new: str, confirmation: str
    ) -> Grant | None:
        """Change the password; identity ends the other sessions and may renew this one's tokens."""
        body = {
            "current_password": current,
            "new_password": new,
            "new_password_confirmation": confirmation,
        }
        response = await self._call("POST", "/v1/me/password", ip, body, token)
        answer = response.json() if response.content else None
        return (
            Grant.from_body(answer)
            if isinstance(answer, dict) and "access_token" in answer
            else None
        )

    async def export(self, ip: str, token: str) -> bytes:
        """Every personal datum identity holds about the account, as JSON bytes."""
        return (await self._call("GET", "/v1/me/export", ip, token=token)).content

    async def delete_account(self, ip: str, token: str, password: str) -> None:
        """Delete the account and its data."""
        await self._call("POST", "/v1/me/deletion", ip, {"password": password}, token)

    async def account(self, ip: str, account_id: str) -> dict[str, Any]:
        """An account as the platform's services see it (service token): for operators' pages."""
        body: dict[str, Any] = (
            await self._call("GET", f"/internal/v1/accounts/{account_id}", ip)
        ).json()
        return body

    async def find_account(self, ip: str, email: str) -> dict[str, Any] | None:
        """The account with this email (`GET /internal/v1/accounts?email=`), or None."""
        try:
            response = await self.http.get(
                "/internal/v1/accounts",
                params={"email": email},
                headers={"X-Service-Token": self.service_token, "X-Forwarded-For": ip},
            )
        except httpx.HTTPError as exc:
            raise ApiError.unavailable() from exc
        if response.status_code in (404, 405):
            return None
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        body = response.json()
        if isinstance(body, list):
            body = body[0] if body else None
        return body if isinstance(body, dict) and body.get("id") else None
