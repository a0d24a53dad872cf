"""CSRF protection: a per-session token in every form, checked on every state-changing request."""

import hmac

from fastapi import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD_NAME = "csrf_token"


class CsrfRejected(Exception):
    """A state-changing request came without the session's CSRF token."""


async def require_csrf(request: Request) -> None:
    """Refuse a POST whose form does not carry this session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    given = form.get(FIELD_NAME)
    expected = request.state.session.csrf_token
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected()
