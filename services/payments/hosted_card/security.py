"""The hosted page's headers: framed by the portal's origin only, loading nothing but itself
(sandbox) or itself and Stripe.js (Stripe)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.payments.hosted_card.config import HostedCardSettings, origin_of

# What no mode loads: plugins, a <base> elsewhere, a form posting elsewhere.
FIXED = "base-uri 'none'; form-action 'self'; object-src 'none'"


def stripe_sources(settings: HostedCardSettings) -> str:
    """Stripe mode: scripts from this page and Stripe.js's origin only; frames from Stripe.js's
    origin (its card element) and the 3-D Secure challenge's; Stripe.js's API calls."""
    script = origin_of(settings.stripe_js_url)
    frames = dict.fromkeys([script, origin_of(settings.stripe_challenge_origin)])
    connect = dict.fromkeys(["'self'", origin_of(settings.stripe_api_origin)])
    return (
        f"script-src 'self' {script}; frame-src {' '.join(frames)}; "
        f"connect-src {' '.join(connect)}; "
    )


def headers_for(parent_origin: str, settings: HostedCardSettings | None = None) -> dict[str, str]:
    """CSP `frame-ancestors` names the portal: no other site can frame the card form."""
    stripe = stripe_sources(settings) if settings and settings.processor == "stripe" else ""
    policy = f"default-src 'self'; {stripe}frame-ancestors {parent_origin}; {FIXED}"
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


class HostedPageHeaders:
    """Sets the headers on every answer (pages, tokens, static files)."""

    def __init__(
        self, app: ASGIApp, parent_origin: str, settings: HostedCardSettings | None = None
    ) -> None:
        self.app = app
        self.headers = headers_for(parent_origin, settings)

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
