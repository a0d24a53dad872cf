"""Bilingual (French first, English second) HTML pages to browse caught mail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import jinja2
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mailcatcher.parsing import Address
from mailcatcher.store import MailStore

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Links in the mail open in a new, unsandboxed tab instead of inside the frame.
SRCDOC_PREFIX = '<base target="_blank">'


def format_date(moment: datetime) -> str:
    """Show a timestamp in the server's local time zone."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_people(values: tuple[Address, ...] | list[Address]) -> str:
    """Render addresses as `Name <address>, ...`."""
    return ", ".join(f"{a.name} <{a.address}>" if a.name else a.address for a in values)


def make_templates() -> Jinja2Templates:
    """Jinja2 environment with autoescape forced on for every template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["when"] = format_date
    env.filters["people"] = format_people
    return Jinja2Templates(env=env)


def web_router(store: MailStore) -> APIRouter:
    """The list page and the message page."""
    router = APIRouter(default_response_class=HTMLResponse)
    templates = make_templates()

    @router.get("/", include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        """List received messages, newest first."""
        return templates.TemplateResponse(request, "index.html", {"messages": store.list()})

    @router.get("/messages/{message_id}", include_in_schema=False)
    def show(request: Request, message_id: str) -> HTMLResponse:
        """Show one message: headers, HTML body (sandboxed), text body, attachments."""
        message = store.get(message_id)
        if message is None:
            raise HTTPException(status_code=404, detail="Message not found")
        html = message.details.html
        srcdoc = SRCDOC_PREFIX + html if html else ""
        context = {"m": message, "d": message.details, "srcdoc": srcdoc}
        return templates.TemplateResponse(request, "message.html", context)

    return router
