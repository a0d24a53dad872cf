"""The sandbox processor's hosted card page (port 8005), built by `create_app` for
`uvicorn --factory`: the card form the portal frames, and the endpoint it posts the card to."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from servicekit.db import make_engine, make_sessionmaker
from servicekit.errors import install_error_handlers
from servicekit.health import health_router
from servicekit.observability import observe_app
from servicekit.settings import PlatformSettings
from servicekit.throttle import Throttle
from services.payments.hosted_card import challenge, endpoints
from services.payments.hosted_card.config import HostedCardSettings, get_settings
from services.payments.hosted_card.security import HostedPageHeaders

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: HostedCardSettings | None = None, platform: PlatformSettings | None = None
) -> FastAPI:
    """Build the app; tests inject settings (the database, the token lifetime)."""
    settings = settings or get_settings()
    platform = platform or PlatformSettings()
    engine = make_engine(settings.effective_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
        await engine.dispose()

    app = FastAPI(title="Hosted card page (sandbox processor)", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.parent_origin = platform.public_web_origin
    app.state.throttle = Throttle(
        platform.rate_limit_storage,
        {"tokens_address": settings.tokens_per_address},
        platform.service_token,
    )
    install_error_handlers(app)
    app.include_router(health_router(lambda: engine))
    app.include_router(endpoints.router)
    app.include_router(challenge.router)  # the sandbox issuer's 3-D Secure page
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(HostedPageHeaders, parent_origin=platform.public_web_origin)
    observe_app(app, "hosted-card")
    return app
