"""The Temporal Web UI at /temporal/ on the portal's origin: operators only, read-only.

The web front end relays the UI server (the dev server's UI in the embedded mode, started with
the public path /temporal) so that the UI, the portal and the codec share one origin: the UI
calls `/codec` with the operator's session cookie, nothing to configure in the browser.

- Access: an anonymous browser is sent to the login page (401 for the UI's API calls), a signed-in
  account that identity does not call an operator gets 403. `GET /operator-check` answers the
  same question with a bare status, for nginx's `auth_request` (compose, production).
- Read-only: operators act in the console, where every action has an actor and an audit entry.
  The relayed UI settings switch every write action off, and the relay itself refuses every
  call but reads (and workflow queries, read-only by contract), even if the UI's settings drift.
"""

import hashlib
import re
import time
from enum import Enum
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from servicekit.i18n import bilingual
from servicekit.temporal_ui import PUBLIC_PATH
from web.account import REFRESH_MARGIN_SECONDS, Account, LoginRequired
from web.dependencies import client_ip, get_identity
from web.forms import see_other
from web.i18n import translator
from web.session import Session
from web.templating import render
from web.temporal_relay import relay

router = APIRouter(include_in_schema=False)

API_PREFIX = f"{PUBLIC_PATH}/api/"
LOGIN = "/connexion"
READ_METHODS = frozenset({"GET", "HEAD"})
# POST calls the read-only browsing needs: a workflow query (stack trace, the workflow's own
# queries) runs no command and changes nothing.
READ_ONLY_POSTS = (
    re.compile(rf"^{PUBLIC_PATH}/api/v1/namespaces/[^/]+/workflows/[^/]+/query/[^/]+$"),
)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# How long identity's answer "this session is an operator's" is trusted: the UI fires dozens
# of requests per page; a demoted operator or a revoked session loses the UI within this delay.
ROLE_TTL_SECONDS = 30.0
ROLE_CACHE_SIZE = 1024


class Verdict(Enum):
    """Who is asking for the Temporal UI."""

    ANONYMOUS = 401
    FORBIDDEN = 403
    OPERATOR = 204


class RoleCache:
    """Identity's recent answers, keyed by a hash of the session's access token."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[float, bool]] = {}

    def get(self, token: str) -> bool | None:
        found = self._answers.get(_digest(token))
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, token: str, is_operator: bool) -> None:
        now = time.monotonic()
        if len(self._answers) >= ROLE_CACHE_SIZE:
            self._answers = {k: v for k, v in self._answers.items() if v[0] >= now}
            if len(self._answers) >= ROLE_CACHE_SIZE:
                self._answers.clear()
        self._answers[_digest(token)] = (now + ROLE_TTL_SECONDS, is_operator)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def verdict(request: Request) -> Verdict:
    """Anonymous, signed in but not an operator, or an operator (identity says, cached)."""
    session: Session = request.state.session
    if not session.signed_in:
        return Verdict.ANONYMOUS
    cache: RoleCache = request.app.state.operator_roles
    if session.access_expires_at - time.time() > REFRESH_MARGIN_SECONDS and session.access_token:
        known = cache.get(session.access_token)
        if known is not None:
            return Verdict.OPERATOR if known else Verdict.FORBIDDEN
    refresher = request.app.state.refresher
    account = Account(session, get_identity(request), client_ip(request), refresher)
    try:
        me: dict[str, Any] = await account.call(account.identity.me)
    except LoginRequired:
        return Verdict.ANONYMOUS
    session.role = str(me.get("role", "user"))
    is_operator = session.role == "operator"
    cache.put(account.access_token, is_operator)
    return Verdict.OPERATOR if is_operator else Verdict.FORBIDDEN


def is_read_only(method: str, path: str) -> bool:
    """Whether the UI call only reads: GET/HEAD, or a workflow query."""
    if method in READ_METHODS:
        return True
    return method == "POST" and any(p.match(path) for p in READ_ONLY_POSTS)


def _json_refusal(status: int, code: str) -> JSONResponse:
    message = bilingual(f"operator_api.{code}")
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _read_only() -> JSONResponse:
    return _json_refusal(403, "read_only")


def _refuse(request: Request, seen: Verdict) -> Response:
    api = request.url.path.startswith(API_PREFIX)
    if seen is Verdict.ANONYMOUS:
        if api:
            return _json_refusal(401, "login_required")
        return see_other(LOGIN)
    if api:
        return _json_refusal(403, "forbidden")
    t = translator(request.state.session.language)
    return render(request, "error.html", {"message": t("page_error.forbidden")}, status_code=403)


@router.get("/operator-check")
async def operator_check(request: Request) -> Response:
    """204 for an operator's session, 401 without a session, 403 otherwise (nginx auth_request)."""
    return Response(status_code=(await verdict(request)).value)


@router.api_route(PUBLIC_PATH, methods=ALL_METHODS)
async def temporal_root(request: Request) -> Response:
    """The UI's home, with its trailing slash."""
    if request.method not in READ_METHODS:
        return _read_only()
    return see_other(f"{PUBLIC_PATH}/")


@router.api_route(PUBLIC_PATH + "/{path:path}", methods=ALL_METHODS)
async def temporal_ui(request: Request, path: str) -> Response:
    """The relayed Temporal Web UI, for operators, read-only."""
    # Writes first: refused for everyone, before any session is looked at (as nginx does).
    if not is_read_only(request.method, request.url.path):
        return _read_only()
    seen = await verdict(request)
    if seen is not Verdict.OPERATOR:
        return _refuse(request, seen)
    upstream = getattr(request.app.state, "temporal_ui", None)
    if upstream is None:
        t = translator(request.state.session.language)
        return render(
            request, "error.html", {"message": t("page_error.not_found")}, status_code=404
        )
    return await relay(upstream, request)
