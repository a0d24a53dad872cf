"""Small factories for the subscriptions tests: users with tokens, vehicles, offerings, rows."""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from temporalio.client import Client

from servicekit.auth import Principal
from servicekit.settings import PlatformSettings
from services.subscriptions import service
from services.subscriptions.clock import today
from services.subscriptions.dependencies import Components
from services.subscriptions.schemas import SubscriptionIn
from tests.identity.helpers import PROFILE, login, sign_up, token_of
from tests.support.mail import SmtpServer, link_in
from tests.support.service_rows import set_role

SUBSCRIPTIONS = "http://subscriptions.test"
HULL_SITE, PLATE_SITE = 1534, 1535
HULL_EMPLOYEE, HULL_MANAGER, HULL_RESERVED, HULL_EVENING = 101, 102, 7116, 7118
HULL_DAS = 7117  # "1461 - Hôpital de Hull - Employé CISSSO", payroll deduction
GATINEAU_DAS = 7201
DAS_OFFERING_MARKER = "payroll"


@dataclass
class Stack:
    app: FastAPI
    platform: PlatformSettings
    database_urls: dict[str, str]
    temporal: Client

    @property
    def parts(self) -> Components:
        return self.app.state.components  # type: ignore[no-any-return]

    @property
    def internal(self) -> dict[str, str]:
        return {"X-Service-Token": self.platform.service_token}


@dataclass
class User:
    id: str
    email: str
    role: str
    headers: dict[str, str] = field(repr=False)

    @property
    def principal(self) -> Principal:
        return Principal(self.id, self.role, 0)


class UserFactory:
    """Accounts opened through identity's API (sign up, emailed link, profile, login)."""

    def __init__(self, identity: httpx.AsyncClient, smtp: SmtpServer, identity_db: str) -> None:
        self.identity, self.smtp, self.identity_db = identity, smtp, identity_db

    async def __call__(self, language: str = "fr", role: str = "user") -> User:
        email = f"subs-{uuid.uuid4().hex[:12]}@example.org"
        await sign_up(self.identity, email, language)
        link = link_in((await self.smtp.wait_for(email))[-1])
        verified = await self.identity.post(
            "/v1/accounts/verification", json={"token": token_of(link)}
        )
        assert verified.status_code == 200, verified.text
        if role != "user":
            await set_role(self.identity_db, email, role)
        tokens = await login(self.identity, email)
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        profile = PROFILE | {"language": language}
        saved = await self.identity.put("/v1/me/profile", headers=headers, json=profile)
        assert saved.status_code == 200, saved.text
        return User(tokens["account"]["id"], email, role, headers)


def vehicle_body(plate: str | None = None, **changes: Any) -> dict[str, Any]:
    plate = f"T{uuid.uuid4().hex[:6].upper()}" if plate is None else plate
    return {
        "year": 2021,
        "make": "Toyota",
        "model": "Corolla",
        "color": "Gris",
        "plate": plate,
    } | changes


async def add_vehicle(client: httpx.AsyncClient, user: User, **changes: Any) -> dict[str, Any]:
    response = await client.post("/v1/vehicles", headers=user.headers, json=vehicle_body(**changes))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def request_body(offering_id: int, vehicle_ids: list[str], **changes: Any) -> dict[str, Any]:
    return {
        "offering_id": offering_id,
        "requested_start": (today() + timedelta(days=3)).isoformat(),
        "accept_terms": True,
        "understand_approval": True,
        "vehicle_ids": vehicle_ids,
        "employee_number": "E-48213",
    } | changes


async def offering(
    client: httpx.AsyncClient, operator: User, offering_id: int, **changes: Any
) -> dict[str, Any]:
    """A fresh DAS offering at the Hull site (created through the operator API)."""
    body = {
        "id": offering_id,
        "site_id": HULL_SITE,
        "category_id": HULL_EMPLOYEE,
        "code": "1461",
        "name": f"Hôpital de Hull - Essai {offering_id}",
        "description_fr": "Abonnement mensuel en tout temps",
        "description_en": "Monthly subscription, any time",
        "monthly_price_cents": 6500,
        "billing_mode": "payroll",
        "notice_days": 30,
        "capacity": 10,
    } | changes
    response = await client.post("/v1/operator/offerings", headers=operator.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def pending_row(
    stack: Stack,
    user: User,
    offering_id: int,
    vehicle_ids: list[str],
    start: date | None = None,
) -> str:
    """A pending request written by the service itself, with no workflow behind it."""
    data = SubscriptionIn.model_validate(
        request_body(offering_id, vehicle_ids)
        | ({"requested_start": start.isoformat()} if start else {})
    )
    async with stack.parts.transaction() as session:
        sub = await service.request(session, stack.parts.settings, user.id, data)
        return sub.id


async def transition(
    client: httpx.AsyncClient, stack: Stack, subscription_id: str, action: str, **extra: Any
) -> httpx.Response:
    body = {"action": action, "actor": "system", "idempotency_key": str(uuid.uuid4())} | extra
    return await client.post(
        f"/internal/v1/subscriptions/{subscription_id}/transitions",
        headers=stack.internal,
        json=body,
    )


async def active_row(
    client: httpx.AsyncClient, stack: Stack, user: User, offering_id: int, vehicle_ids: list[str]
) -> str:
    """A subscription approved today (through the internal transitions endpoint)."""
    subscription_id = await pending_row(stack, user, offering_id, vehicle_ids, start=today())
    response = await transition(client, stack, subscription_id, "approve")
    assert response.status_code == 200, response.text
    return subscription_id
