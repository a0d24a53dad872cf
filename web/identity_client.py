"""Typed calls to the identity service, as the trusted back-end-for-front-end."""

import time
from dataclasses import dataclass
from typing import Any, ClassVar

from servicekit.i18n import bilingual
from servicekit.messages import Message
from web.api_error import ApiError
from web.service_client import ServiceClient

UNAVAILABLE = bilingual("service.identity.unavailable")


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


class IdentityClient(ServiceClient):
    """One method per identity endpoint the portal uses; errors raise `ApiError`."""

    unavailable_code: ClassVar[str] = "identity_unavailable"
    unavailable_message: ClassVar[Message] = UNAVAILABLE

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
        await self._call("POST", "/v1/accounts", ip, None, body=body)

    async def verify_email(self, ip: str, token: str) -> None:
        """Validate an email address with the token of the emailed link."""
        await self._call("POST", "/v1/accounts/verification", ip, None, body={"token": token})

    async def resend_verification(self, ip: str, email: str) -> None:
        """Send the verification email again (silently throttled by identity)."""
        await self._call(
            "POST", "/v1/accounts/verification/resend", ip, None, body={"email": email}
        )

    async def login(self, ip: str, email: str, password: str) -> Grant:
        """Open a session with an email and a password."""
        body = {"email": email, "password": password}
        return Grant.from_body(
            (await self._call("POST", "/v1/sessions", ip, None, body=body)).json()
        )

    async def refresh(self, ip: str, refresh_token: str) -> Grant:
        """Trade the refresh token for new tokens (the refresh token rotates)."""
        body = {"refresh_token": refresh_token}
        response = await self._call("POST", "/v1/sessions/refresh", ip, None, body=body)
        return Grant.from_body(response.json())

    async def logout(self, ip: str, token: str) -> None:
        """Revoke every token of the account issued until now."""
        await self._call("POST", "/v1/sessions/logout", ip, token, body={})

    async def request_password_reset(self, ip: str, email: str) -> None:
        """Email a reset link if the account exists (same answer either way)."""
        await self._call("POST", "/v1/password-resets", ip, None, body={"email": email})

    async def confirm_password_reset(
        self, ip: str, token: str, password: str, confirmation: str
    ) -> None:
        """Set a new password with the token of the emailed link."""
        body = {"token": token, "password": password, "password_confirmation": confirmation}
        await self._call("POST", "/v1/password-resets/confirm", ip, None, body=body)

    async def me(self, ip: str, token: str) -> dict[str, Any]:
        """The signed-in account with its profile."""
        body: dict[str, Any] = (await self._call("GET", "/v1/me", ip, token)).json()
        return body

    async def update_profile(self, ip: str, token: str, profile: dict[str, Any]) -> dict[str, Any]:
        """Replace the personal information; returns it as stored."""
        body: dict[str, Any] = (
            await self._call("PUT", "/v1/me/profile", ip, token, body=profile)
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
        response = await self._call("POST", "/v1/me/password", ip, token, body=body)
        answer = response.json() if response.content else None
        return (
            Grant.from_body(answer)
            if isinstance(answer, dict) and "access_token" in answer
            else None
        )

    async def export(self, ip: str, token: str) -> bytes:
        """Every personal datum identity holds about the account, as JSON bytes."""
        return (await self._call("GET", "/v1/me/export", ip, token)).content

    async def delete_account(self, ip: str, token: str, password: str) -> None:
        """Delete the account and its data."""
        await self._call("POST", "/v1/me/deletion", ip, token, body={"password": password})

    async def account(self, ip: str, account_id: str) -> dict[str, Any]:
        """An account as the platform's services see it (service token): for operators' pages."""
        body: dict[str, Any] = (
            await self._call("GET", f"/internal/v1/accounts/{account_id}", ip, None)
        ).json()
        return body

    async def find_account(self, ip: str, email: str) -> dict[str, Any] | None:
        """The account with this email (`GET /internal/v1/accounts?email=`), or None."""
        try:
            response = await self._call(
                "GET", "/internal/v1/accounts", ip, None, params={"email": email}
            )
        except ApiError as exc:
            if exc.status in (404, 405):
                return None
            raise
        body = response.json()
        if isinstance(body, list):
            body = body[0] if body else None
        return body if isinstance(body, dict) and body.get("id") else None
