"""Fixtures of the payments tests: the payments app on the session's real database, the sandbox
gateway, a verifier holding identity's key, users with real tokens, and small factories.

The session's `apps` fixture (tests/conftest.py) runs identity; users sign up through it, so
their bearer tokens are real ES256 tokens the payments app verifies.
"""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from temporalio.worker import Worker

from servicekit.settings import PlatformSettings
from services.payments.config import PaymentsSettings
from tests.payments.factories import PAYMENTS, PaymentsStack
from tests.subscriptions.factories import UserFactory
from tests.support.mail import SmtpServer


@pytest.fixture(scope="session")
def payments(
    apps: dict[str, FastAPI],
    platform_settings: PlatformSettings,
    payments_settings: PaymentsSettings,
) -> PaymentsStack:
    """The session's payments app (tests/conftest.py), started with identity and subscriptions."""
    return PaymentsStack(apps["payments"], payments_settings, platform_settings)


@pytest.fixture
async def client(payments: PaymentsStack) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=payments.app)
    async with httpx.AsyncClient(transport=transport, base_url=PAYMENTS) as http:
        yield http


@pytest.fixture
def users(
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    worker: Worker,
    database_urls: dict[str, str],
) -> UserFactory:
    """Accounts opened through identity (the worker sends the verification email)."""
    return UserFactory(identity, smtp, database_urls["identity"])


@pytest.fixture
def specimen_dir(payments: PaymentsStack) -> Path:
    return Path(payments.settings.specimen_dir)


# Claim notices ---------------------------------------------------------------------------------


@pytest.fixture
def claims(payments: PaymentsStack, apps: dict[str, FastAPI]) -> PaymentsStack:
    """The payments app asking the session's subscriptions app for an account's plates."""
    from services.payments.claims.ports import SubscriptionsPort

    payments.app.state.subscriptions = SubscriptionsPort(
        apps["http"],  # type: ignore[arg-type]
        payments.platform,
    )
    return payments


@pytest.fixture
async def subscriptions_client(apps: dict[str, FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    """The session's subscriptions app (vehicles, hence the plates of `/mine`)."""
    transport = httpx.ASGITransport(app=apps["subscriptions"])
    async with httpx.AsyncClient(transport=transport, base_url="http://subscriptions.test") as c:
        yield c


class NoticeFactory:
    """Claim notices with fresh numbers and plates, written by the claims service itself."""

    def __init__(self, payments: PaymentsStack) -> None:
        self.payments = payments

    @staticmethod
    def body(**changes: object) -> dict[str, object]:
        return {
            "number": f"AR-{uuid.uuid4().hex[:10].upper()}",
            "plate": f"C{uuid.uuid4().hex[:6].upper()}",
            "site_id": 1534,
            "issued_on": "2026-10-02",
            "amount_cents": 4500,
            "due_on": "2026-11-02",
        } | changes

    async def __call__(self, **changes: object) -> dict[str, object]:
        from servicekit.db import transaction
        from services.payments.claims import service as claim_service
        from services.payments.claims.schemas import ClaimNoticeIn

        body = self.body(**changes)
        async with transaction(self.payments.app.state.sessionmaker) as session:
            data = ClaimNoticeIn.model_validate(body)
            await claim_service.create(session, str(uuid.uuid4()), data)
        return body


@pytest.fixture
def notices(payments: PaymentsStack) -> NoticeFactory:
    return NoticeFactory(payments)


# Billing's internal API and the export jobs --------------------------------------------------


@pytest.fixture
def export_dir(payments: PaymentsStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's export folder, a fresh one per test (the session's settings point at it)."""
    monkeypatch.setattr(payments.settings, "export_dir", str(tmp_path / "exports"))
    return tmp_path / "exports"


@pytest.fixture
def platform_port(payments: PaymentsStack, apps: dict[str, FastAPI]) -> PaymentsStack:
    """The payments app asking the session's subscriptions and identity apps (payroll export)."""
    from services.payments.ports import PlatformPort

    payments.app.state.components.platform = PlatformPort(
        apps["http"],  # type: ignore[arg-type]
        payments.platform,
    )
    return payments
