"""The plate check of one replica sees a change committed through another within a second.

Two subscriptions apps share the PostgreSQL database, as two replicas do in production: each
keeps its own in-memory index and hears the other's changes by LISTEN/NOTIFY. (SQLite is the
embedded mode, one process: there is no other replica to tell.)
"""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from servicekit.settings import PlatformSettings
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.main import create_app
from tests.subscriptions.factories import GATINEAU_DAS, PLATE_SITE, active_row, add_vehicle
from tests.support.databases import kind
from tests.support.verifier import identity_verifier


@pytest.fixture
async def other_replica(
    apps: dict[str, FastAPI], database_urls: dict[str, str], platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    if kind(database_urls) != "postgresql":
        pytest.skip("replicas share a PostgreSQL database; SQLite is the one-process mode")
    app = create_app(
        SubscriptionsSettings(database_url=database_urls["subscriptions"]),
        platform_settings,
        http=apps["http"],  # type: ignore[arg-type]
        verifier=identity_verifier(apps["identity"], platform_settings, apps["http"]),  # type: ignore[arg-type]
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b.test") as http:
            yield http


async def authorized(client: httpx.AsyncClient, token: str, plate: str) -> bool:
    response = await client.get(
        "/v1/plate-check",
        params={"site_id": PLATE_SITE, "plate": plate},
        headers={"X-Service-Token": token},
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["authorized"])


async def seconds_until(client: httpx.AsyncClient, token: str, plate: str, want: bool) -> float:
    started = time.monotonic()
    while await authorized(client, token, plate) is not want:
        assert time.monotonic() - started < 1.0, f"{plate} still answered {not want} after 1 s"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_a_change_through_one_replica_reaches_the_others_plate_check(
    client, users, stack, other_replica
):
    token = stack.platform.service_token
    user = await users()
    first, second = await add_vehicle(client, user), await add_vehicle(client, user)
    # Replica B answers (and keeps its index warm) before the subscription exists.
    assert await authorized(other_replica, token, second["plate"]) is False

    await active_row(client, stack, user, GATINEAU_DAS, [first["id"], second["id"]])
    await seconds_until(other_replica, token, second["plate"], want=True)

    deleted = await client.delete(f"/v1/vehicles/{second['id']}", headers=user.headers)
    assert deleted.status_code == 204
    await seconds_until(other_replica, token, second["plate"], want=False)
    assert await authorized(other_replica, token, first["plate"]) is True


async def test_a_replica_that_lost_its_listening_connection_still_answers_right(
    client, users, stack, other_replica, database_urls
):
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    token = stack.platform.service_token
    user = await users()
    first, second = await add_vehicle(client, user), await add_vehicle(client, user)
    await active_row(client, stack, user, GATINEAU_DAS, [first["id"], second["id"]])
    await seconds_until(other_replica, token, second["plate"], want=True)

    # PostgreSQL drops every listening connection (a restart, a failover, a network cut).
    engine = create_async_engine(database_urls["subscriptions"])
    async with engine.connect() as conn:
        ended = await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
        assert ended.all()
    await engine.dispose()

    deleted = await client.delete(f"/v1/vehicles/{second['id']}", headers=user.headers)
    assert deleted.status_code == 204
    await seconds_until(other_replica, token, second["plate"], want=False)


async def test_a_temporary_vehicle_added_and_removed_through_one_replica_reaches_the_other(
    client, users, stack, other_replica
):
    from services.subscriptions.clock import today
    from tests.subscriptions.test_temporary_vehicles import add_temporary

    token = stack.platform.service_token
    user = await users()
    vehicle = await add_vehicle(client, user)
    subscription_id = await active_row(client, stack, user, GATINEAU_DAS, [vehicle["id"]])
    added = (await add_temporary(client, user, subscription_id, today(), today())).json()
    await seconds_until(other_replica, token, added["plate"], want=True)

    path = f"/v1/subscriptions/{subscription_id}/temporary-vehicles/{added['id']}"
    assert (await client.delete(path, headers=user.headers)).status_code == 204
    await seconds_until(other_replica, token, added["plate"], want=False)
