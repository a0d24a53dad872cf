"""The subscriptions service (port 8002), built by `create_app` for `uvicorn --factory`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from servicekit import pdf_worker
from servicekit.actor_token import ActorTokenKeys
from servicekit.auth import TokenVerifier, configure_verifier, default_verifier
from servicekit.db import make_engine, make_sessionmaker
from servicekit.errors import install_error_handlers
from servicekit.health import health_router
from servicekit.observability import observe_app
from servicekit.observability.scrape import database_refresher
from servicekit.openapi import install_public_openapi
from servicekit.pdf import available_fonts
from servicekit.settings import PlatformSettings
from servicekit.temporal import connect
from services.subscriptions import (
    catalog_endpoints,
    endpoints,
    erasure_endpoints,
    internal_endpoints,
    metrics,
    operator_endpoints,
    outbox,
    temporary_vehicle_endpoints,
    vehicle_endpoints,
    waitlist_endpoints,
)
from services.subscriptions.config import SubscriptionsSettings, get_settings
from services.subscriptions.dependencies import Components
from services.subscriptions.lifecycle import Lifecycle
from services.subscriptions.plates import PlateIndex
from services.subscriptions.ports import IdentityPort, PaymentsPort

# FastAPI matches a path against the included routes one by one, in this order: the plate check
# (cameras, many calls a second) comes first, so it is found after a couple of comparisons
# instead of after every route of the API (a third of its CPU time, measured in bench/).
ROUTERS = (
    operator_endpoints.plate_router,
    catalog_endpoints.router,
    catalog_endpoints.operator_router,
    vehicle_endpoints.router,
    temporary_vehicle_endpoints.router,
    endpoints.router,
    operator_endpoints.router,
    internal_endpoints.router,
    temporary_vehicle_endpoints.internal_router,
    erasure_endpoints.router,
    waitlist_endpoints.router,
    waitlist_endpoints.internal_router,
)


def _components(
    settings: SubscriptionsSettings,
    platform: PlatformSettings,
    engine: AsyncEngine,
    temporal: Client | None,
    http: httpx.AsyncClient,
) -> Components:
    async def connect_temporal() -> Client:
        return await connect(platform, wait_seconds=settings.temporal_connect_seconds)

    return Components(
        settings=settings,
        platform=platform,
        sessions=make_sessionmaker(engine),
        # Connected on first use: the API keeps serving reads while Temporal is away.
        lifecycle=Lifecycle(
            temporal or connect_temporal,
            platform.temporal_task_queue,
            ActorTokenKeys(platform.actor_token_key, platform.actor_token_seconds),
        ),
        plates=PlateIndex(),
        identity=IdentityPort(http, platform),
        payments=PaymentsPort(http, platform),
        fonts=available_fonts(settings.contract_font, settings.contract_font_bold),
    )


def create_app(
    settings: SubscriptionsSettings | None = None,
    platform: PlatformSettings | None = None,
    temporal: Client | None = None,
    http: httpx.AsyncClient | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """Build the app; tests inject settings, a Temporal client, an HTTP client and a verifier."""
    settings = settings or get_settings()
    platform = platform or PlatformSettings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_http = http or httpx.AsyncClient(timeout=10.0)
        configure_verifier(verifier or default_verifier(platform))
        parts = _components(settings, platform, engine, temporal, own_http)
        app.state.sessionmaker, app.state.components = parts.sessions, parts
        relay = outbox.Relay(parts, settings.outbox_relay_seconds)
        relay.start()
        yield
        await relay.stop()
        await pdf_worker.stop()
        await parts.plates.close()
        if http is None:
            await own_http.aclose()
        await engine.dispose()

    app = FastAPI(title="Subscriptions", version="1", lifespan=lifespan)
    install_error_handlers(app)
    install_public_openapi(app)
    app.include_router(health_router(lambda: engine))
    for router in ROUTERS:
        app.include_router(router)
    refresh = database_refresher(metrics.refresh, lambda: app.state.sessionmaker)
    observe_app(app, "subscriptions", [refresh])
    return app
