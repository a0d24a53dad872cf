"""`GET /internal/v1/accounts/{id}/plates`: the plates payments shows claim notices for."""

import uuid

import httpx

from tests.subscriptions.factories import Stack, UserFactory, add_vehicle


async def test_an_accounts_plates_for_the_platform_only(
    client: httpx.AsyncClient, stack: Stack, users: UserFactory
) -> None:
    user = await users()
    await add_vehicle(client, user, plate="xyz 987-1")
    await add_vehicle(client, user, plate="ABC123")
    url = f"/internal/v1/accounts/{user.id}/plates"
    answer = await client.get(url, headers=stack.internal)
    assert answer.status_code == 200 and answer.json() == {"plates": ["ABC123", "XYZ987"]}
    nobody = await client.get(
        f"/internal/v1/accounts/{uuid.uuid4()}/plates", headers=stack.internal
    )
    assert nobody.json() == {"plates": []}
    as_user = await client.get(url, headers=user.headers)
    assert as_user.status_code == 401
