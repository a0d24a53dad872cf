"""The identity service: `uvicorn --factory services.identity.main:create_app --port 8001`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from temporalio.client import Client

from servicekit.auth import KeySet, TokenVerifier
from servicekit.db import make_sessionmaker
from servicekit.errors import install_error_handlers
from servicekit.health import health_router
from servicekit.observability import observe_app
from servicekit.openapi import install_public_openapi
from servicekit.settings import PlatformSettings
from servicekit.temporal import connect
from servicekit.throttle import Throttle
from services.identity import endpoints, erasure_endpoints, internal_endpoints
from services.identity.config import IdentitySettings, get_settings
from services.identity.db import engine_for
from services.identity.dependencies import Components
from services.identity.keys import load_or_create
from services.identity.lifecycle import Lifecycle
from services.identity.ports import SubscriptionsPort
from services.identity.sessions import Issuer


def create_app(
    settings: IdentitySettings | None = None,
    platform: PlatformSettings | None = None,
    temporal: Client | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """Build the app; tests inject settings, a Temporal client and an HTTP client."""
    settings = settings or get_settings()
    platform = platform or PlatformSettings()
    engine = engine_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = temporal or await connect(platform)
        own_http = http or httpx.AsyncClient(timeout=10.0)
        key = load_or_create(settings.signing_key_path)
        keys = KeySet()
        keys.load(key.jwks())
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.components = Components(
            settings=settings,
            platform=platform,
            key=key,
            verifier=TokenVerifier(keys, platform.token_issuer, platform.token_audience),
            lifecycle=Lifecycle(client, platform.temporal_task_queue),
            issuer=Issuer(settings, platform, key),
            subscriptions=SubscriptionsPort(own_http, platform),
        )
        yield
        if http is None:
            await own_http.aclose()
        await engine.dispose()

    app = FastAPI(title="Identity", version="1", lifespan=lifespan)
    app.state.throttle = Throttle(
        platform.rate_limit_storage, settings.rate_limits(), platform.service_token
    )
    install_error_handlers(app)
    install_public_openapi(app)
    app.include_router(health_router(lambda: engine))
    app.include_router(endpoints.router)
    app.include_router(endpoints.jwks_router)
    app.include_router(internal_endpoints.router)
    app.include_router(erasure_endpoints.router)
    observe_app(app, "identity")
    return app
