"""A catalog and subscriptions across two sites and several statuses, with invoices charged
through the payments service, for the occupancy tests (service and console)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import httpx

from services.subscriptions.clock import today
from tests.payments.factories import add_card
from tests.subscriptions.factories import Stack, User, add_vehicle, pending_row, transition

PAYMENTS = "http://payments.test"


@dataclass
class Occupied:
    """What was built: offering ids, the expected figures, and when the oldest request began."""

    site_a: int
    site_b: int
    a1: int
    a2: int
    b1: int
    oldest_between: tuple[datetime, datetime] = (datetime.min, datetime.min)
    billed: dict[int, int] = field(default_factory=dict)


async def _post(client: httpx.AsyncClient, operator: User, path: str, body: dict) -> int:
    response = await client.post(path, headers=operator.headers, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def catalog(client: httpx.AsyncClient, operator: User, next_id) -> tuple[int, ...]:
    """Two fresh sites; A has offerings A1 (5 spaces) and A2 (3), B has B1 (4)."""
    sites = []
    for name in ("Hôpital Alpha", "Hôpital Bêta"):
        site_id = next_id()
        await _post(
            client,
            operator,
            "/v1/operator/sites",
            {
                "id": site_id,
                "establishment": "CISSS d'Essai",
                "name": f"{name} {site_id}",
                "address": "1 rue Principale, J8Y 1W7, Gatineau, QC",
                "access_type": "card",
            },
        )
        category = await _post(
            client,
            operator,
            "/v1/operator/categories",
            {
                "site_id": site_id,
                "name_fr": "Employé",
                "name_en": "Employee",
            },
        )
        sites.append((site_id, category))
    offerings = []
    for (site_id, category), code, capacity in (
        (sites[0], "A1", 5),
        (sites[0], "A2", 3),
        (sites[1], "B1", 4),
    ):
        offering_id = next_id()
        await _post(
            client,
            operator,
            "/v1/operator/offerings",
            {
                "id": offering_id,
                "site_id": site_id,
                "category_id": category,
                "code": code,
                "name": f"Offre {code}",
                "description_fr": "Mensuel",
                "description_en": "Monthly",
                "monthly_price_cents": 6500,
                "billing_mode": "payroll",
                "notice_days": 30,
                "capacity": capacity,
            },
        )
        offerings.append(offering_id)
    return sites[0][0], sites[1][0], *offerings


async def charge(payments: httpx.AsyncClient, stack: Stack, user: User, sub_id: str, cents: int):
    """An invoice for the subscription, as its workflow's charge writes it, paid by card (a
    payroll deduction would join this month's payroll export, which asks the subscriptions
    service of the test session's real network)."""
    first = today().replace(day=1)
    card = await add_card(payments, user)
    response = await payments.post(
        "/internal/v1/charges",
        headers=stack.internal,
        json={
            "idempotency_key": f"occupancy-test:{uuid.uuid4()}",
            "account_id": user.id,
            "subscription_id": sub_id,
            "payment_method_id": card["id"],
            "period_start": first.isoformat(),
            "period_end": (first + timedelta(days=27)).isoformat(),
            "amount_cents": cents,
            "description": "Abonnement / Subscription test",
        },
    )
    assert response.status_code == 200, response.text


async def build(
    client: httpx.AsyncClient,
    payments: httpx.AsyncClient,
    stack: Stack,
    operator: User,
    users: list[User],
    next_id,
) -> Occupied:
    """Subscriptions of every status on A1, two on A2 (one ended today), a request on B1."""
    site_a, site_b, a1, a2, b1 = await catalog(client, operator, next_id)
    u1, u2, u3, u4, u5 = users
    cars = {u.id: [(await add_vehicle(client, u))["id"]] for u in users}

    async def request(user: User, offering: int, start: date | None = None) -> str:
        return await pending_row(stack, user, offering, cars[user.id], start=start or today())

    async def move(sub_id: str, action: str, **extra: object) -> None:
        response = await transition(client, stack, sub_id, action, **extra)
        assert response.status_code == 200, response.text

    await move(await request(u1, a1), "refuse", reason="Aucune place")
    active = [await request(u1, a1), await request(u2, a1), await request(u1, a2)]
    for sub_id in active:
        await move(sub_id, "approve")
    await move(await request(u3, a1, today() + timedelta(days=20)), "approve")  # starts later
    ended = await request(u3, a2)
    await move(ended, "approve")
    await move(ended, "end")
    await move(await request(u5, a1), "withdraw")
    before = datetime.now().astimezone()
    waiting = await request(u4, a1)  # the oldest waiting request of A1
    between = datetime.now().astimezone()
    await request(u5, a1)
    await request(u2, b1)
    for user, sub_id, cents in (
        (u1, active[0], 6500),
        (u2, active[1], 3000),
        (u1, active[2], 4200),
        (u3, ended, 1000),
        (u4, waiting, 777),  # not approved: outside every group summed
    ):
        await charge(payments, stack, user, sub_id, cents)
    return Occupied(site_a, site_b, a1, a2, b1, (before, between), {a1: 9500, a2: 5200, b1: 0})
