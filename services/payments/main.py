"""The payments service (port 8003), built by `create_app` for `uvicorn --factory`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from temporalio.client import Client

from servicekit import pdf_worker
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
from servicekit.throttle import Throttle
from services.payments import (
    billing_endpoints,
    erasure_endpoints,
    internal_endpoints,
    method_endpoints,
    metrics,
)
from services.payments.claims import endpoints as claim_endpoints
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.claims.ports import SubscriptionsPort
from services.payments.config import PaymentsSettings, data_box, get_settings
from services.payments.dependencies import Components
from services.payments.exports import endpoints as export_endpoints
from services.payments.gateway import PaymentGateway
from services.payments.ports import PlatformPort
from services.payments.processors import configured_gateway, refund_endpoints, webhook_endpoints
from services.payments.returns import endpoints as return_endpoints

ROUTERS = (
    method_endpoints.router,
    method_endpoints.agreement_router,
    billing_endpoints.router,
    billing_endpoints.operator_router,
    internal_endpoints.router,
    erasure_endpoints.router,
    export_endpoints.router,
    claim_endpoints.router,
    return_endpoints.operator_router,
    return_endpoints.router,
    return_endpoints.internal_router,
    refund_endpoints.router,
    webhook_endpoints.router,
)


def _receipts(
    settings: PaymentsSettings, platform: PlatformSettings, temporal: Client | None
) -> ReceiptLifecycle:
    """The claim receipt emails' lifecycle: connected on first use, so payments never wait for
    Temporal to start and keep taking payments while it is away."""

    async def connect_temporal() -> Client:
        return await connect(platform, wait_seconds=settings.temporal_connect_seconds)

    return ReceiptLifecycle(temporal or connect_temporal, platform.temporal_task_queue)


def create_app(
    settings: PaymentsSettings | None = None,
    platform: PlatformSettings | None = None,
    gateway: PaymentGateway | None = None,
    verifier: TokenVerifier | None = None,
    http: httpx.AsyncClient | None = None,
    temporal: Client | None = None,
) -> FastAPI:
    """Build the app; tests inject settings, a gateway, a token verifier, an HTTP client and a
    Temporal client."""
    settings = settings or get_settings()
    platform = platform or PlatformSettings()
    engine = make_engine(settings.database_url)
    box = data_box(settings)  # a malformed key stops the start, not the first request

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sessions = make_sessionmaker(engine)
        configure_verifier(verifier or default_verifier(platform))
        own_http = http or httpx.AsyncClient(timeout=10.0)
        parts = Components(
            settings=settings,
            sessions=sessions,
            # The adapter given, else the one PAYMENTS_PROCESSOR names (the sandbox by default).
            gateway=gateway or configured_gateway(settings, sessions),
            fonts=available_fonts(settings.document_font, settings.document_font_bold),
            platform=PlatformPort(own_http, platform),
            box=box,
        )
        app.state.sessionmaker, app.state.components = sessions, parts
        app.state.gateway = parts.gateway
        if getattr(app.state, "subscriptions", None) is None:  # unless a test set its own
            app.state.subscriptions = SubscriptionsPort(own_http, platform)
        app.state.receipts = _receipts(settings, platform, temporal)
        yield
        await pdf_worker.stop()
        if http is None:
            await own_http.aclose()
        if gateway is None and hasattr(parts.gateway, "aclose"):  # its own HTTP client
            await parts.gateway.aclose()
        await engine.dispose()

    app = FastAPI(title="Payments", version="1", lifespan=lifespan)
    app.state.throttle = Throttle(
        platform.rate_limit_storage, settings.rate_limits(), platform.service_token
    )
    install_error_handlers(app)
    install_public_openapi(app)
    app.include_router(health_router(lambda: engine))
    for router in ROUTERS:
        app.include_router(router)
    refresh = database_refresher(metrics.refresh, lambda: app.state.sessionmaker)
    observe_app(app, "payments", [refresh])
    return app
