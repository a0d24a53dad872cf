"""The web front end (port 8000): `uvicorn --factory web.main:create_app`."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.codec import EncryptionCodec
from servicekit.observability import observe_app
from web.account import LoginRequired, RefreshCoordinator
from web.api_error import ApiError
from web.config import WebSettings, get_settings
from web.csrf import CsrfRejected
from web.forms import see_other
from web.i18n import pick, translator
from web.identity_client import IdentityClient
from web.payments_client import PaymentsClient
from web.readiness import readyz
from web.routes import (
    account,
    auth,
    bank_account,
    billing,
    claims,
    codec,
    my_subscription,
    operator,
    operator_billing,
    operator_cancellation,
    operator_claims,
    operator_occupancy,
    operator_returns,
    password_reset,
    portal,
    registration,
    subscriptions,
    temporary_vehicles,
    vehicles,
)
from web.routes import settings as settings_routes
from web.security import SecurityHeadersMiddleware, security_headers
from web.session import Session, SessionMiddleware
from web.subscriptions_client import SubscriptionsClient
from web.templating import render
from web.temporal_relay import upstream_client
from web.temporal_ui import RoleCache
from web.temporal_ui import router as temporal_ui_router

STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: WebSettings | None = None,
    identity_client: httpx.AsyncClient | None = None,
    subscriptions_client: httpx.AsyncClient | None = None,
    payments_client: httpx.AsyncClient | None = None,
    temporal_ui_client: httpx.AsyncClient | None = None,
) -> FastAPI:
    """The web app; it opens its own clients to the three services and to the Temporal UI
    server unless given (tests)."""
    s = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(s.identity_timeout_seconds)
        async with AsyncExitStack() as stack:
            if identity_client is None:
                http = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=s.platform.identity_url, timeout=timeout)
                )
                app.state.identity = IdentityClient(http, s.platform.service_token)
            if subscriptions_client is None:
                http = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=s.platform.subscriptions_url, timeout=timeout)
                )
                app.state.subscriptions = SubscriptionsClient(http, s.platform.service_token)
            if payments_client is None:
                http = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=s.platform.payments_url, timeout=timeout)
                )
                app.state.payments = PaymentsClient(http, s.platform.service_token)
            if temporal_ui_client is None and s.temporal_ui_upstream:
                app.state.temporal_ui = await stack.enter_async_context(
                    upstream_client(s.temporal_ui_upstream)
                )
            yield

    app = FastAPI(
        title="Portail web", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = s
    app.state.refresher = RefreshCoordinator()
    app.state.payload_codec = EncryptionCodec(s.platform.payload_key)
    app.state.operator_roles = RoleCache()
    app.state.temporal_ui = temporal_ui_client
    if identity_client is not None:
        app.state.identity = IdentityClient(identity_client, s.platform.service_token)
    if subscriptions_client is not None:
        app.state.subscriptions = SubscriptionsClient(
            subscriptions_client, s.platform.service_token
        )
    if payments_client is not None:
        app.state.payments = PaymentsClient(payments_client, s.platform.service_token)
    app.add_middleware(SessionMiddleware, settings=s)
    app.add_middleware(SecurityHeadersMiddleware, hosted_card_origin=s.platform.hosted_card_origin)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    routers = (
        auth,
        registration,
        password_reset,
        account,
        portal,
        settings_routes,
        codec,
        billing,  # before my_subscription: /mon-abonnement/factures is not a subscription id
        subscriptions,
        my_subscription,
        temporary_vehicles,
        vehicles,
        operator,
        operator_billing,
        operator_claims,
        operator_occupancy,
        operator_returns,
        operator_cancellation,
        bank_account,
        claims,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(temporal_ui_router)
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)
    install_error_pages(app)
    observe_app(app, "web")
    return app


async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


def _session(request: Request) -> Session:
    session = getattr(request.state, "session", None)
    return session if isinstance(session, Session) else Session.new()


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    """The error page, in the session's language."""
    if not isinstance(getattr(request.state, "session", None), Session):
        request.state.session = Session.new()
    return render(request, "error.html", {"message": message}, status_code=status)


async def _csrf_rejected(request: Request, _: Exception) -> Response:
    return error_page(request, translator(_session(request).language)("page_error.csrf"), 403)


async def _login_required(request: Request, _: Exception) -> Response:
    return see_other("/connexion")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    status = 503 if exc.status >= 500 else exc.status
    return error_page(request, pick(exc.message, _session(request).language), status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    t = translator(_session(request).language)
    key = {404: "page_error.not_found", 403: "page_error.forbidden"}.get(
        exc.status_code, "page_error.title"
    )
    return error_page(request, t(key), exc.status_code)


async def _unexpected(request: Request, _: Exception) -> Response:
    response = error_page(
        request, translator(_session(request).language)("page_error.internal"), 500
    )
    # Outside the middleware stack: set the headers here.
    response.headers.update(
        security_headers(request.app.state.settings.platform.hosted_card_origin)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def install_error_pages(app: FastAPI) -> None:
    """HTML error pages in the page's language; never a stack trace."""
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
