"""Rendering pages: every template gets the translator, the language and the CSRF token."""

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from servicekit import lifecycle
from servicekit.cards import brand_label
from servicekit.deadline import deadline_label
from servicekit.messages import Message
from web import presenters
from web.i18n import LANGUAGE_NAMES, has_string, long_date, money, pick, translator
from web.session import Session

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# What every template may call to show the services' data in the page's language.
TEMPLATES.env.globals.update(
    money=money,
    long_date=long_date,
    site_label=presenters.site_label,
    offering_label=presenters.offering_label,
    localized=presenters.localized,
    status_label=presenters.status_label,
    action_label=lifecycle.action_label,
    Status=lifecycle.Status,
    RUNNING_STATUSES=lifecycle.RUNNING_STATUSES,
    BLOCKING_STATUSES=lifecycle.BLOCKING_STATUSES,
    actor_label=lifecycle.actor_label,
    brand_label=brand_label,
    deadline_label=deadline_label,
)

# Pages carrying a verification or reset token must not leak it in a Referer header.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


def switch_language_url(request: Request, language: str) -> str:
    """The current page in the other language (other query parameters kept)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", language))
    return f"{local_path(request.url.path)}?{urlencode(query)}"


def local_path(path: str) -> str:
    """The path with one leading slash: `//host` or `/\\host` would make a link leave the site."""
    return "/" + path.lstrip("/\\")


def translate_errors(errors: dict[str, Message], language: str) -> dict[str, str]:
    """Field errors from the API, in the page's language."""
    return {name: pick(msg, language) for name, msg in errors.items()}


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page in the session's language; the one-shot notice is shown here and forgotten."""
    session: Session = request.state.session
    language = session.language
    other = "en" if language == "fr" else "fr"
    notice = session.pop_notice()
    base: dict[str, Any] = {
        "t": translator(language),
        "lang": language,
        "other_lang": other,
        "switch_url": switch_language_url(request, other),
        "session": session,
        "csrf_token": session.csrf_token,
        "notice": translator(language)(notice) if notice and has_string(notice) else None,
        "path": request.url.path,
        "language_names": LANGUAGE_NAMES,
        "errors": {},
        "form_error": None,
        "values": {},
        "hosted_card_origin": request.app.state.settings.platform.hosted_card_origin,
    }
    base.update(context or {})
    return TEMPLATES.TemplateResponse(
        request, template, base, status_code=status_code, headers=headers
    )
