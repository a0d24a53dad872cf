"""Fixtures of the web tests: the web app over ASGI, wired to the real identity, subscriptions and
payments apps over ASGI.

Identity is the session's started app (real database, Temporal, worker, SMTP), so every page
shows what identity itself answered. Accounts are opened through identity's API, each with its
own email address, and every browser has its own address (identity throttles per address).
"""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from services.identity.config import IdentitySettings
from services.subscriptions import seed
from tests.support.mail import SmtpServer
from tests.support.service_rows import set_role
from tests.web.subscriptions_support import Catalog, make_catalog, make_operator, operator_token
from tests.web.support import Account, open_account, sample_profile
from web.config import WebSettings
from web.main import create_app


@pytest.fixture
def web_settings(platform_settings: PlatformSettings) -> WebSettings:
    """Settings as in production (secure `__Host-` cookie), with identity's platform settings:
    the same service token, and the Temporal Web UI origin the codec allows."""
    return WebSettings(session_secret="test-session-secret", platform=platform_settings)


@pytest.fixture
def ui_origin(web_settings: WebSettings) -> str:
    """The Temporal Web UI's origin."""
    return web_settings.platform.temporal_ui_url.rstrip("/")


@pytest.fixture
async def identity_http(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The client the web app uses to reach the real identity app, over ASGI."""
    transport = httpx.ASGITransport(app=apps["identity"])
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.identity_url
    ) as http:
        yield http


@pytest.fixture(scope="session")
async def subscriptions_app(
    apps: dict[str, FastAPI], worker: Worker, database_urls: dict[str, str]
) -> FastAPI:
    """The session's subscriptions app (fully wired in tests/conftest.py, served by the session's
    worker), with the seed catalog loaded."""
    await seed.main(database_urls["subscriptions"])
    return apps["subscriptions"]


@pytest.fixture
async def subscriptions_http(
    subscriptions_app: FastAPI, platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The client the web app uses to reach the real subscriptions app, over ASGI."""
    transport = httpx.ASGITransport(app=subscriptions_app)
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.subscriptions_url
    ) as http:
        yield http


@pytest.fixture
async def payments_http(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The client the web app uses to reach the session's real payments app, over ASGI."""
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.payments_url
    ) as http:
        yield http


@pytest.fixture
def web_app(
    web_settings: WebSettings,
    identity_http: httpx.AsyncClient,
    subscriptions_http: httpx.AsyncClient,
    payments_http: httpx.AsyncClient,
) -> FastAPI:
    """The web front end with the identity, subscriptions and payments clients injected."""
    return create_app(
        web_settings,
        identity_client=identity_http,
        subscriptions_client=subscriptions_http,
        payments_client=payments_http,
    )


@pytest.fixture
def browser_ip() -> str:
    """This test's browser address (10.x.y.z, unique to the test)."""
    a, b, c = uuid.uuid4().bytes[:3]
    return f"10.{a}.{b}.{c}"


@pytest.fixture
async def client(web_app: FastAPI, browser_ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser: HTTPS so that the Secure cookie is kept and sent back."""
    transport = httpx.ASGITransport(app=web_app, client=(browser_ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as browser:
        yield browser


@pytest.fixture
async def bare(identity: httpx.AsyncClient, smtp: SmtpServer, worker: object) -> Account:
    """A verified account without personal information yet."""
    return await open_account(identity, smtp)


@pytest.fixture
async def user(identity: httpx.AsyncClient, smtp: SmtpServer, worker: object) -> Account:
    """A verified account with a complete profile (Marie Tremblay, in French)."""
    return await open_account(identity, smtp, profile=sample_profile())


@pytest.fixture
async def operator(user: Account, identity_settings: IdentitySettings) -> Account:
    """A verified account with a profile, made an operator (as the operator CLI does)."""
    await set_role(identity_settings.database_url, user.email, "operator")
    return user


@pytest.fixture
async def subs_api(
    subscriptions_app: FastAPI, platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The subscriptions API itself (in process), for what the pages do not show."""
    transport = httpx.ASGITransport(app=subscriptions_app)
    async with httpx.AsyncClient(
        transport=transport, base_url=platform_settings.subscriptions_url
    ) as api:
        yield api


@pytest.fixture
async def catalog(
    subs_api: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: IdentitySettings,
    worker: object,
) -> Catalog:
    """A catalog of the test's own, created through the operators' API."""
    agent = await make_operator(identity, smtp, identity_settings)
    return await make_catalog(subs_api, await operator_token(identity, agent))
