"""Run SMTP and HTTP on one event loop: `python -m mailcatcher`."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from mailcatcher.api import create_app
from mailcatcher.config import Settings
from mailcatcher.smtp import bound_port, start_smtp_server
from mailcatcher.store import MailStore


async def serve(settings: Settings) -> None:
    """Start SMTP, then uvicorn; the app's lifespan closes SMTP on shutdown."""
    store = MailStore(settings.store_dir)
    # Started before uvicorn so a busy SMTP port fails fast with a clear error.
    smtp_server = await start_smtp_server(store, settings.smtp_host, settings.smtp_port)
    try:
        config = uvicorn.Config(
            create_app(store, smtp_server=smtp_server),
            host=settings.http_host,
            port=settings.http_port,
            log_level=settings.log_level,
            log_config=None,  # the platform's logging (configured by create_app) formats it
        )
        logging.getLogger("mailcatcher").info(
            "mailcatcher: SMTP on %s:%s, HTTP on http://%s:%s/ (mail kept in %s, %d message(s))",
            settings.smtp_host,
            bound_port(smtp_server),
            settings.http_host,
            settings.http_port,
            settings.store_dir,
            len(store),
        )
        await uvicorn.Server(config).serve()
    finally:
        smtp_server.close()  # idempotent; covers uvicorn failing before its lifespan ran


def main() -> None:
    """Entry point; uvicorn installs the SIGINT/SIGTERM handlers."""
    try:
        asyncio.run(serve(Settings()))
    except KeyboardInterrupt:
        pass  # uvicorn re-raises SIGINT after its graceful shutdown; exit quietly


if __name__ == "__main__":
    main()
