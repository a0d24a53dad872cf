"""Security headers on every response."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(hosted_card_origin: str) -> str:
    """Everything from the portal itself; frames only from the processor's hosted card page
    (`frame-src` is exactly its origin: the card number is typed there, never here)."""
    return (
        "default-src 'self'; frame-src " + hosted_card_origin + "; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'; object-src 'none'"
    )


def security_headers(hosted_card_origin: str) -> dict[str, str]:
    """The headers every answer carries unless its route set its own."""
    return {"Content-Security-Policy": content_security_policy(hosted_card_origin)} | HEADERS


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the headers a route did not set itself; pages are never cached, static files are."""

    def __init__(self, app: ASGIApp, hosted_card_origin: str) -> None:
        self.app = app
        self.headers = security_headers(hosted_card_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
