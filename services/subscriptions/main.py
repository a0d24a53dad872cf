"""The subscriptions service (port 8002), built by `create_app` for `uvicorn --factory`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from servicekit.auth import configure_verifier, default_verifier
from servicekit.db import make_engine, make_sessionmaker
from servicekit.errors import install_error_handlers
from servicekit.health import health_router
from services.subscriptions import internal_endpoints
from services.subscriptions.config import SubscriptionsSettings, get_settings


def create_app(settings: SubscriptionsSettings | None = None) -> FastAPI:
    """Build the app; tests inject settings."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sessionmaker = make_sessionmaker(engine)
        configure_verifier(default_verifier())
        yield
        await engine.dispose()

    app = FastAPI(title="Subscriptions", version="1", lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(health_router(lambda: engine))
    app.include_router(internal_endpoints.router)
    return app
