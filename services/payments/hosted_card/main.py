"""The hosted card page (port 8005), built by `create_app` for `uvicorn --factory`: the card
form the portal frames, in the processor's mode (`HOSTED_CARD_PROCESSOR`): the sandbox's form
and token endpoint, or Stripe.js's card element and the SetupIntent endpoint."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import make_engine, make_sessionmaker
from servicekit.errors import install_error_handlers
from servicekit.health import health_router
from servicekit.observability import observe_app
from servicekit.settings import PlatformSettings
from servicekit.throttle import Throttle
from services.payments.hosted_card import challenge, endpoints, stripe_endpoints
from services.payments.hosted_card.config import HostedCardSettings, get_settings
from services.payments.hosted_card.security import HostedPageHeaders
from services.payments.processors.stripe_client import StripeClient

STATIC = Path(__file__).parent / "static"
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: HostedCardSettings | None = None, platform: PlatformSettings | None = None
) -> FastAPI:
    """Build the app; tests inject settings (the mode, the database, the token lifetime)."""
    settings = settings or get_settings()
    platform = platform or PlatformSettings()
    if settings.processor == "stripe":
        lifespan, health, routes = _stripe(settings), stripe_health(), stripe_endpoints.router
    else:
        engine = make_engine(settings.effective_database_url())
        lifespan, health = _sandbox(engine), health_router(lambda: engine)
        routes = endpoints.sandbox_router
    app = FastAPI(title=f"Hosted card page ({settings.processor})", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.parent_origin = platform.public_web_origin
    app.state.throttle = Throttle(
        platform.rate_limit_storage,
        {"tokens_address": settings.tokens_per_address},
        platform.service_token,
    )
    install_error_handlers(app)
    app.include_router(health)
    app.include_router(endpoints.router)
    app.include_router(routes)
    if settings.processor != "stripe":  # with Stripe, the issuer's own page challenges
        app.include_router(challenge.router)  # the sandbox issuer's 3-D Secure page
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        HostedPageHeaders, parent_origin=platform.public_web_origin, settings=settings
    )
    observe_app(app, "hosted-card")
    return app


def _sandbox(engine: AsyncEngine) -> Lifespan:
    """The sandbox's tables, in the payments database."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
        await engine.dispose()

    return lifespan


def _stripe(settings: HostedCardSettings) -> Lifespan:
    """No database in Stripe mode: the client creating SetupIntents with the secret key."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.stripe_client = StripeClient(
            settings.effective_stripe_api_base(),
            settings.effective_stripe_secret_key(),
            settings.stripe_timeout_seconds,
        )
        yield
        await app.state.stripe_client.aclose()

    return lifespan


def stripe_health() -> APIRouter:
    """`/healthz` and `/readyz` without a database; Stripe's reachability is no probe's concern
    (a replica restarted for Stripe's outage would not bring Stripe back)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    @router.get("/readyz")
    async def healthy() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    return router
