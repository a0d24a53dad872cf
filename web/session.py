"""The browser session: one encrypted cookie, the only thing the browser holds.

The cookie carries the access and refresh tokens, the CSRF token, the language, the email
waiting for verification and a one-shot notice, as JSON encrypted and authenticated with
Fernet (AES-CBC + HMAC-SHA256). The browser cannot read or forge it.
"""

import base64
import json
import secrets
from dataclasses import asdict, dataclass, fields
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.config import WebSettings

LANGUAGES = ("fr", "en")
# Paths that never need a session (no cookie read, none written).
SESSIONLESS_PREFIXES = ("/static/", "/healthz")


def new_csrf_token() -> str:
    """A fresh CSRF token (256 random bits)."""
    return secrets.token_urlsafe(32)


@dataclass
class Session:
    """What the web front end remembers about one browser."""

    csrf_token: str
    language: str = "fr"
    access_token: str | None = None
    refresh_token: str | None = None
    access_expires_at: float = 0.0
    role: str | None = None
    pending_email: str | None = None
    notice: str | None = None
    verification: str | None = None
    # The subscription request being built ("Créer un nouvel abonnement", steps 1 to 4):
    # ids, dates and the employee number only; forgotten once submitted.
    journey: dict[str, Any] | None = None
    # A claim notice's payment waiting for 3-D Secure: its opaque id, the notice's number and
    # plate (for the receipt page the payer comes back to: never in the address).
    claim_payment: dict[str, Any] | None = None

    @classmethod
    def new(cls, language: str = "fr") -> "Session":
        """An anonymous session with its own CSRF token."""
        return cls(csrf_token=new_csrf_token(), language=language)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Session | None":
        """The session stored in a cookie, or None when it is malformed."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if not isinstance(values.get("csrf_token"), str):
            return None
        session = cls(**values)
        if session.language not in LANGUAGES:
            session.language = "fr"
        return session

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form stored in the cookie."""
        return asdict(self)

    @property
    def signed_in(self) -> bool:
        """Whether the session holds tokens of an account."""
        return self.refresh_token is not None

    @property
    def is_operator(self) -> bool:
        """Whether identity last said this account is an operator (menus only, not access)."""
        return self.signed_in and self.role == "operator"

    def sign_in(
        self, access_token: str, refresh_token: str, expires_at: float, role: str, language: str
    ) -> None:
        """Hold a new account's tokens; the CSRF token changes with the privilege level."""
        self.store_tokens(access_token, refresh_token, expires_at)
        self.role = role
        if language in LANGUAGES:
            self.language = language
        self.pending_email = None
        self.csrf_token = new_csrf_token()

    def store_tokens(self, access_token: str, refresh_token: str, expires_at: float) -> None:
        """Replace the tokens after a login or a refresh."""
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.access_expires_at = expires_at

    def sign_out(self) -> None:
        """Forget the account; keep only the language, with a new CSRF token."""
        language, notice = self.language, self.notice
        for f in fields(self):
            setattr(self, f.name, f.default)
        self.csrf_token = new_csrf_token()
        self.language, self.notice = language, notice

    def pop_notice(self) -> str | None:
        """The notice to show once, then forget."""
        notice, self.notice = self.notice, None
        return notice


def _fernet_key(secret: str) -> bytes:
    """A Fernet key derived from any secret string (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"web-session-cookie-v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


class SessionCodec:
    """Encrypts sessions into cookie values and back; refuses tampered or idle ones."""

    def __init__(self, secret: str, idle_seconds: int) -> None:
        keys = [Fernet(_fernet_key(s.strip())) for s in secret.split(",") if s.strip()]
        if not keys:
            raise ValueError("WEB_SESSION_SECRET is empty")
        self._fernet = MultiFernet(keys)
        self._idle_seconds = idle_seconds

    def dumps(self, session: Session) -> str:
        """The cookie value of a session."""
        plain = json.dumps(session.to_dict(), separators=(",", ":")).encode()
        return self._fernet.encrypt(plain).decode()

    def loads(self, value: str) -> Session | None:
        """The session in a cookie value, or None if it is forged, expired or malformed."""
        try:
            plain = self._fernet.decrypt(value.encode(), ttl=self._idle_seconds)
            data = json.loads(plain)
        except (InvalidToken, ValueError):
            return None
        return Session.from_dict(data) if isinstance(data, dict) else None


class SessionMiddleware:
    """Loads the session into `request.state.session` and writes the cookie when it changed."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.codec = SessionCodec(settings.session_secret, settings.session_idle_seconds)
        self.cookie_name = settings.effective_cookie_name
        self.secure = settings.cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SESSIONLESS_PREFIXES):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        raw = connection.cookies.get(self.cookie_name)
        loaded = self.codec.loads(raw) if raw else None
        session = loaded or Session.new()
        before = loaded.to_dict() if loaded else None
        requested = connection.query_params.get("lang")
        if requested in LANGUAGES:
            session.language = requested
        scope.setdefault("state", {})["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.to_dict() != before:
                MutableHeaders(scope=message).append("set-cookie", self.cookie(session))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def cookie(self, session: Session) -> str:
        """The Set-Cookie value: host-only, whole site, script-proof, not sent cross-site."""
        parts = [f"{self.cookie_name}={self.codec.dumps(session)}", "Path=/", "HttpOnly"]
        parts.append("SameSite=Lax")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)
