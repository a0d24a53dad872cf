"""HTTP side: Mailpit-compatible JSON API plus the small bilingual web UI."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse

from mailcatcher import schema
from mailcatcher.search import search
from mailcatcher.store import MailStore, StoredMessage
from mailcatcher.web import web_router
from servicekit.observability import observe_app

DEFAULT_LIMIT = 50  # Mailpit's default page size
Start = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1)]


def find_message(store: MailStore, message_id: str) -> StoredMessage:
    """Look a message up (Mailpit's "latest" alias included) or answer 404."""
    found = store.latest() if message_id == "latest" else store.get(message_id)
    if found is None:
        raise HTTPException(status_code=404, detail="Message not found")
    return found


def download_headers(filename: str) -> dict[str, str]:
    """Force a download: serving mail content inline on this origin would allow XSS."""
    disposition = "attachment"
    if filename:
        fallback = re.sub(r'[^\x20-\x7e]|"', "_", filename)
        disposition += f"; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}


async def _requested_ids(request: Request) -> list[str]:
    """Read the optional {"IDs": [...]} body of DELETE /api/v1/messages."""
    body = await request.body()
    if not body.strip():
        return []
    try:
        ids = json.loads(body).get("IDs") or []
    except (ValueError, AttributeError) as exc:
        raise HTTPException(status_code=400, detail="Invalid JSON body") from exc
    return [str(i) for i in ids]


def api_router(store: MailStore) -> APIRouter:
    """Routes under /api/v1, mirroring Mailpit's names and JSON fields."""
    router = APIRouter(prefix="/api/v1")

    @router.get("/messages")
    def list_messages(start: Start = 0, limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        """List messages, newest first."""
        messages = store.list()
        return schema.page(len(messages), messages, start, limit)

    @router.delete("/messages", response_class=PlainTextResponse)
    async def delete_messages(request: Request) -> str:
        """Delete the listed IDs, or every message when no IDs are given."""
        ids = await _requested_ids(request)
        if ids:
            await asyncio.to_thread(store.delete, ids)
        else:
            await asyncio.to_thread(store.delete_all)
        return "ok"

    @router.get("/search")
    def search_messages(
        query: str, start: Start = 0, limit: Limit = DEFAULT_LIMIT
    ) -> dict[str, Any]:
        """Search with a subset of Mailpit's syntax (to:, from:, subject:, words)."""
        messages = store.list()
        return schema.page(len(messages), search(messages, query), start, limit)

    @router.delete("/search", response_class=PlainTextResponse)
    def delete_search(query: str) -> str:
        """Delete every message matching the query."""
        store.delete([m.id for m in search(store.list(), query)])
        return "ok"

    @router.get("/message/{message_id}")
    def get_message(message_id: str) -> dict[str, Any]:
        """Full message: headers summary, bodies and attachments."""
        return schema.message(find_message(store, message_id))

    @router.get("/message/{message_id}/headers")
    def get_headers(message_id: str) -> dict[str, list[str]]:
        """All headers, grouped by name."""
        return schema.headers(find_message(store, message_id))

    @router.get("/message/{message_id}/raw")
    def get_raw(message_id: str) -> Response:
        """The message source exactly as received."""
        raw = find_message(store, message_id).raw
        headers = {"X-Content-Type-Options": "nosniff"}
        return Response(raw, media_type="text/plain; charset=utf-8", headers=headers)

    @router.get("/message/{message_id}/part/{part_id}")
    def get_part(message_id: str, part_id: str) -> Response:
        """Download one attachment or inline part with its own content type."""
        found = store.part(find_message(store, message_id).id, part_id)
        if found is None:
            raise HTTPException(status_code=404, detail="Part not found")
        headers = download_headers(found.filename)
        return Response(found.content, media_type=found.content_type, headers=headers)

    @router.get("/info")
    def info() -> dict[str, Any]:
        """Minimal subset of Mailpit's application information."""
        return {"Version": "mailcatcher", "Messages": len(store), "Unread": 0, "Tags": {}}

    return router


def create_app(store: MailStore, smtp_server: asyncio.Server | None = None) -> FastAPI:
    """Build the app; if given, the SMTP server is closed when the app shuts down."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if smtp_server is not None:
                smtp_server.close()
                await smtp_server.wait_closed()

    app = FastAPI(title="mailcatcher", lifespan=lifespan)
    app.state.store = store

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    app.include_router(api_router(store))
    app.include_router(web_router(store))
    observe_app(app, "mail")
    return app
