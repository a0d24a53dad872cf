"""The subscriptions bench's setup (not measured): accounts opened through the emailed link,
the operator, the bench's own DAS offerings, and the request body.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from common import (
    BenchError,
    call,
    check_python,
    run_pool,
)
from inbox import (
    IDENTITY,
    PASSWORD,
    Mailbox,
    signup,
    verify,
)
from ports import url

from servicekit.clock import today

SUBSCRIPTIONS = url("subscriptions")


BENCH_SITE, BENCH_CATEGORY = 1534, 101  # where the bench's own DAS offerings are created


BENCH_OFFERING_IDS = 990_001  # first id of the bench's offerings


OPERATOR_EMAIL = "bench-operator@example.org"


PROFILE = {
    "gender": "female",
    "first_name": "Léa",
    "last_name": "Tremblay",
    "address_line1": "116 boul. Lionel-Émond",
    "apartment": "4",
    "city": "Gatineau",
    "province": "qc",
    "postal_code": "j8y1w7",
    "mobile_phone": "(819) 555-0142",
    "language": "fr",
}


RETRIES = 4  # setup calls (not measured) retried on a transport error or a 5xx


@dataclass
class User:
    email: str
    id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    vehicles: list[dict[str, Any]] = field(default_factory=list)


async def log_in(http: httpx.AsyncClient, user: User) -> None:
    body = {"email": user.email, "password": PASSWORD}
    tokens = (await call(http, "POST", f"{IDENTITY}/v1/sessions", 200, json=body)).json()
    user.id = tokens["account"]["id"]
    user.headers = {"Authorization": f"Bearer {tokens['access_token']}"}


async def open_accounts(
    http: httpx.AsyncClient,
    mailbox: Mailbox,
    emails: list[str],
    vehicles_each: int,
    concurrency: int,
) -> list[User]:
    """Sign up, follow the emailed link, log in, fill the profile, add vehicles."""
    users = [User(email) for email in emails]

    async def one(i: int) -> None:
        user = users[i]
        for attempt in range(RETRIES):
            with contextlib.suppress(httpx.TransportError):
                if (await signup(http, user.email)).status_code == 202:
                    break
            await asyncio.sleep(0.2 * (attempt + 1))
        missing = await mailbox.wait_for({user.email}, time.monotonic() + 90)
        if missing:
            raise BenchError(f"no verification email for {user.email}")
        if not await verify(http, mailbox, [user.email]):
            raise BenchError(f"{user.email} could not be verified through its link")
        await log_in(http, user)
        await call(
            http, "PUT", f"{IDENTITY}/v1/me/profile", 200, headers=user.headers, json=PROFILE
        )
        for _ in range(vehicles_each):
            body = {
                "year": 2021,
                "make": "Toyota",
                "model": "Corolla",
                "color": "Gris",
                "plate": f"B{uuid.uuid4().hex[:6].upper()}",
            }
            url = f"{SUBSCRIPTIONS}/v1/vehicles"
            vehicle = await call(http, "POST", url, 201, headers=user.headers, json=body)
            user.vehicles.append(vehicle.json())

    await run_pool(len(users), concurrency, one)
    return users


def request_body(offering_id: int, vehicle_ids: list[str], start: str) -> dict[str, Any]:
    return {
        "offering_id": offering_id,
        "requested_start": start,
        "accept_terms": True,
        "understand_approval": True,
        "vehicle_ids": vehicle_ids,
        "employee_number": "E-48213",
    }


def montreal_today() -> str:

    return today().isoformat()


async def create_offerings(
    http: httpx.AsyncClient, operator: User, count: int, capacity: int
) -> list[int]:
    """DAS offerings with room for the bench, through the operator catalog API."""
    ids = []
    for n in range(count):
        offering_id = BENCH_OFFERING_IDS + n
        body = {
            "id": offering_id,
            "site_id": BENCH_SITE,
            "category_id": BENCH_CATEGORY,
            "code": "1461",
            "name": f"Hôpital de Hull - Banc d'essai {n + 1}",
            "description_fr": "Abonnement mensuel en tout temps",
            "description_en": "Monthly subscription, any time",
            "monthly_price_cents": 6500,
            "billing_mode": "payroll",
            "notice_days": 30,
            "capacity": capacity,
            "visibility": "public",
        }
        url = f"{SUBSCRIPTIONS}/v1/operator/offerings"
        await call(http, "POST", url, 201, headers=operator.headers, json=body)
        ids.append(offering_id)
    return ids


def prepare(env: dict[str, str]) -> None:
    """After the migrations: the seed's catalog and an operator (the identity CLI)."""
    for command, extra in (
        (["-m", "services.subscriptions.seed"], {}),
        (
            ["-m", "services.identity.cli", "create-operator", OPERATOR_EMAIL],
            {"OPERATOR_PASSWORD": PASSWORD},
        ),
    ):
        check_python(command, env | extra, " ".join(command))
