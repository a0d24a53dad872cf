"""`GET /internal/v1/accounts/{id}/plate-periods`: when each plate was on a running subscription
of the account (payments shows a claim notice only when issued within one)."""

import uuid

import httpx

from tests.subscriptions.conftest import Ids
from tests.subscriptions.factories import (
    Stack,
    UserFactory,
    active_row,
    add_vehicle,
    offering,
    pending_row,
    today,
)


async def test_only_subscriptions_that_ran_give_periods_for_the_platform_only(
    client: httpx.AsyncClient, stack: Stack, users: UserFactory, ids: Ids
) -> None:
    user, operator = await users(), await users(role="operator")
    on_request = await add_vehicle(client, user, plate="xyz 987-1")
    running = await add_vehicle(client, user, plate="ABC123")
    offered = await offering(client, operator, ids.next())
    await pending_row(stack, user, offered["id"], [on_request["id"]])
    url = f"/internal/v1/accounts/{user.id}/plate-periods"
    assert (await client.get(url, headers=stack.internal)).json() == {"periods": []}

    other = await offering(client, operator, ids.next())
    await active_row(client, stack, user, other["id"], [running["id"]])
    answer = await client.get(url, headers=stack.internal)
    assert answer.status_code == 200
    assert answer.json() == {
        "periods": [{"plate": "ABC123", "start": today().isoformat(), "end": None}]
    }
    nobody = f"/internal/v1/accounts/{uuid.uuid4()}/plate-periods"
    assert (await client.get(nobody, headers=stack.internal)).json() == {"periods": []}
    assert (await client.get(url, headers=user.headers)).status_code == 401
