"""Relaying the Temporal Web UI server: streamed, with the headers the UI needs, and two rewrites.

- `GET /temporal/api/v1/settings`: every write action off and the codec on this origin, whatever
  the UI server was started with.
- HTML pages: a Content-Security-Policy that lets the UI's inline boot script run (by its hash)
  and nothing else inline; the portal's own policy forbids any inline script.

The portal's session cookie never reaches the UI server: only the UI's own `_csrf` cookie does,
and the UI's cookies are scoped to /temporal/.
"""

import base64
import hashlib
import json
import re
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from servicekit.temporal_ui import CODEC_ENDPOINT, PUBLIC_PATH
from web.i18n import translator
from web.templating import render

SETTINGS_PATH = f"{PUBLIC_PATH}/api/v1/settings"
WRITE_SWITCHES = (
    "WorkflowTerminateDisabled",
    "WorkflowCancelDisabled",
    "WorkflowSignalDisabled",
    "WorkflowUpdateDisabled",
    "WorkflowResetDisabled",
    "WorkflowPauseDisabled",
    "BatchActionsDisabled",
    "StartWorkflowDisabled",
    "ActivityCommandsDisabled",
)
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# Never passed to the UI server: the portal's cookies and credentials, and what httpx sets.
DROPPED_REQUEST = HOP_BY_HOP | {"host", "cookie", "authorization", "content-length"}
UI_COOKIES = ("_csrf",)
INLINE_SCRIPT = re.compile(rb"<script(?:\s[^>]*)?>(.*?)</script>", re.DOTALL | re.IGNORECASE)
COOKIE_PATH = re.compile(r";\s*path=[^;]*", re.IGNORECASE)


def upstream_client(base_url: str) -> httpx.AsyncClient:
    """The client to the UI server; generous read timeout, the UI long-polls some lists."""
    timeout = httpx.Timeout(60.0, connect=5.0)
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, follow_redirects=False)


def request_headers(request: Request) -> list[tuple[str, str]]:
    """The browser's headers minus the portal's session and hop-by-hop ones, plus the UI cookie."""
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in DROPPED_REQUEST]
    cookies = "; ".join(
        f"{name}={request.cookies[name]}" for name in UI_COOKIES if name in request.cookies
    )
    if cookies:
        headers.append(("cookie", cookies))
    return headers


def response_headers(upstream: httpx.Response, rewritten: bool) -> list[tuple[str, str]]:
    """The UI server's headers for the browser: cookies kept under /temporal/."""
    dropped = HOP_BY_HOP | ({"content-length", "content-encoding"} if rewritten else set())
    headers = []
    for name, value in upstream.headers.multi_items():
        key = name.lower()
        if key in dropped:
            continue
        if key == "set-cookie":
            value = COOKIE_PATH.sub("", value) + f"; Path={PUBLIC_PATH}/"
        elif key == "location":
            value = _local(value, str(upstream.request.url))
        headers.append((key, value))
    return headers


def _local(location: str, upstream_url: str) -> str:
    """A redirect to the UI server's own origin, made relative to this one."""
    origin = httpx.URL(upstream_url).copy_with(path="/", query=None, fragment=None)
    prefix = str(origin).rstrip("/")
    return location[len(prefix) :] or "/" if location.startswith(prefix) else location


def read_only_settings(body: bytes) -> bytes:
    """The UI settings with every write action off and the codec on this origin."""
    settings: dict[str, Any] = json.loads(body)
    settings["DisableWriteActions"] = True
    for switch in WRITE_SWITCHES:
        settings[switch] = True
    found = settings.get("Codec")
    codec: dict[str, Any] = found if isinstance(found, dict) else {}
    codec.update(Endpoint=CODEC_ENDPOINT, PassAccessToken=False, IncludeCredentials=False)
    settings["Codec"] = codec
    return json.dumps(settings).encode()


def page_policy(html: bytes) -> str:
    """The CSP of a UI page: its own inline scripts by hash, inline styles (the UI sets them)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(html)
        if script.strip()
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )


def _rewrites(request: Request, upstream: httpx.Response) -> bool:
    kind = upstream.headers.get("content-type", "")
    if request.url.path == SETTINGS_PATH and upstream.status_code == 200:
        return True
    return kind.startswith("text/html") and request.method == "GET"


async def relay(client: httpx.AsyncClient, request: Request) -> Response:
    """The UI server's answer to this request, streamed (pages and settings rewritten)."""
    # The raw path keeps the UI's percent-encoding (a workflow id may hold a '/').
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    target = raw.split(b"?", 1)[0].decode("latin-1")
    if request.url.query:
        target += "?" + request.url.query
    body = request.stream() if request.method not in ("GET", "HEAD") else None
    outgoing = client.build_request(
        request.method, target, headers=request_headers(request), content=body
    )
    try:
        upstream = await client.send(outgoing, stream=True)
    except httpx.HTTPError:
        t = translator(request.state.session.language)
        return render(request, "error.html", {"message": t("page_error.internal")}, status_code=502)
    if not _rewrites(request, upstream):
        streamed = StreamingResponse(
            upstream.aiter_raw(),
            status_code=upstream.status_code,
            background=BackgroundTask(upstream.aclose),
        )
        return _with(streamed, response_headers(upstream, rewritten=False))
    try:
        content = await upstream.aread()
    finally:
        await upstream.aclose()
    headers = response_headers(upstream, rewritten=True)
    if request.url.path == SETTINGS_PATH:
        content = read_only_settings(content)
    else:
        headers.append(("content-security-policy", page_policy(content)))
    return _with(Response(content, status_code=upstream.status_code), headers)


def _with(response: Response, headers: list[tuple[str, str]]) -> Response:
    """The response with the headers appended (repeated ones such as Set-Cookie kept)."""
    for name, value in headers:
        response.headers.append(name, value)
    return response
