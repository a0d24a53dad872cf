"""The hosted page's headers: framed by the portal's origin only, talking to itself only."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def headers_for(parent_origin: str) -> dict[str, str]:
    """CSP `frame-ancestors` names the portal: no other site can frame the card form."""
    policy = (
        "default-src 'self'; frame-ancestors " + parent_origin + "; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


class HostedPageHeaders:
    """Sets the headers on every answer (pages, tokens, static files)."""

    def __init__(self, app: ASGIApp, parent_origin: str) -> None:
        self.app = app
        self.headers = headers_for(parent_origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
