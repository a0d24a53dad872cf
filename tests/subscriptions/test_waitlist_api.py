"""The waitlist through the subscriptions API: a request on a full offering joins the list in
the order requests came, its owner sees their rank, a space freed goes to the first person (the
round the offering's workflow runs, called here at chosen instants), the owner confirms before
the deadline, and the operator approves only a confirmed request. Two rounds at once never offer
one space twice. The workflow itself: tests/workflows/test_waitlist_workflow.py.

The app here sends its workflows to a task queue no worker serves (`real`): no waitlist
workflow runs a round of its own between the test's."""

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.subscriptions.factories import (
    Stack,
    User,
    UserFactory,
    active_row,
    add_vehicle,
    offering,
    pending_row,
    transition,
)
from tests.workflows import subscription_services
from tests.workflows.subscription_services import Real

real = subscription_services.real

NOW = datetime.now(UTC)
OFFERINGS = itertools.count(random.randint(100_000, 900_000) * 10 + 7)


async def full_offering(
    client: httpx.AsyncClient, stack: Stack, users: UserFactory, oid: int, capacity: int = 1
) -> list[str]:
    """An offering of `capacity` spaces, all taken; the active subscriptions' ids."""
    operator = await users(role="operator")
    await offering(client, operator, oid, capacity=capacity, waitlist_confirm_hours=48)
    taken = []
    for _ in range(capacity):
        owner = await users()
        vehicle = await add_vehicle(client, owner)
        taken.append(await active_row(client, stack, owner, oid, [vehicle["id"]]))
    return taken


async def request_on(client: httpx.AsyncClient, stack: Stack, user: User, oid: int) -> str:
    vehicle = await add_vehicle(client, user)
    return await pending_row(stack, user, oid, [vehicle["id"]])


async def mine(client: httpx.AsyncClient, user: User, sid: str) -> dict[str, Any]:
    response = await client.get(f"/v1/subscriptions/{sid}", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def run_round(
    client: httpx.AsyncClient, stack: Stack, oid: int, now: datetime
) -> dict[str, Any]:
    response = await client.post(
        f"/internal/v1/offerings/{oid}/waitlist/round",
        json={"now": now.isoformat()},
        headers=stack.internal,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def decide(client: httpx.AsyncClient, operator: User, sid: str) -> httpx.Response:
    return await client.post(
        f"/v1/operator/subscriptions/{sid}/decision",
        headers=operator.headers,
        json={"decision": "approve"},
    )


async def test_requests_on_a_full_offering_wait_in_order_and_see_their_rank(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    await full_offering(client, stack, users, oid)
    first, second = await users(), await users()
    first_sid = await request_on(client, stack, first, oid)
    second_sid = await request_on(client, stack, second, oid)

    one, two = await mine(client, first, first_sid), await mine(client, second, second_sid)

    assert one["status"] == two["status"] == "pending_approval"
    assert (one["waitlist"]["status"], one["waitlist"]["rank"]) == ("waiting", 1)
    assert (two["waitlist"]["status"], two["waitlist"]["rank"]) == ("waiting", 2)
    assert one["waitlist"]["confirm_hours"] == 48


async def test_a_request_with_a_free_space_is_not_waitlisted(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    await full_offering(client, stack, users, oid, capacity=1)
    operator = await users(role="operator")
    roomy = next(OFFERINGS)
    await offering(client, operator, roomy, capacity=3)
    user = await users()
    sid = await request_on(client, stack, user, roomy)

    assert (await mine(client, user, sid))["waitlist"] is None


async def test_a_freed_space_is_offered_to_the_first_and_the_rank_moves_up(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    [taken] = await full_offering(client, stack, users, oid)
    first, second = await users(), await users()
    first_sid = await request_on(client, stack, first, oid)
    second_sid = await request_on(client, stack, second, oid)
    assert (await run_round(client, stack, oid, NOW))["offered"] == []  # still full

    ended = await transition(client, stack, taken, "end")
    assert ended.status_code == 200, ended.text
    result = await run_round(client, stack, oid, NOW)

    assert [o["subscription_id"] for o in result["offered"]] == [first_sid]
    assert result["waiting"] == 1
    offered = (await mine(client, first, first_sid))["waitlist"]
    assert offered["status"] == "offered"
    assert datetime.fromisoformat(offered["offer_expires_at"]) == NOW + timedelta(hours=48)
    assert datetime.fromisoformat(result["next_deadline"]) == NOW + timedelta(hours=48)
    assert (await mine(client, second, second_sid))["waitlist"]["rank"] == 1
    again = await run_round(client, stack, oid, NOW + timedelta(hours=1))
    assert [o["subscription_id"] for o in again["offered"]] == [first_sid]  # not offered twice


async def test_the_operator_approves_only_once_the_offer_is_confirmed(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    [taken] = await full_offering(client, stack, users, oid)
    operator = await users(role="operator")
    user = await users()
    sid = await request_on(client, stack, user, oid)
    refused = await decide(client, operator, sid)
    assert refused.status_code == 409 and refused.json()["error"] == "waitlisted", refused.text
    not_yet = await client.post(f"/v1/subscriptions/{sid}/waitlist/confirm", headers=user.headers)
    assert not_yet.status_code == 409 and not_yet.json()["error"] == "not_offered"

    await transition(client, stack, taken, "end")
    await run_round(client, stack, oid, datetime.now(UTC))
    still = await decide(client, operator, sid)
    assert still.status_code == 409 and still.json()["error"] == "waitlisted"
    confirmed = await client.post(f"/v1/subscriptions/{sid}/waitlist/confirm", headers=user.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["waitlist"]["status"] == "confirmed"

    approved = await decide(client, operator, sid)
    assert approved.status_code == 200, approved.text
    assert (await mine(client, user, sid))["status"] == "active"


async def test_an_offer_not_confirmed_in_time_passes_to_the_next_person(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    [taken] = await full_offering(client, stack, users, oid)
    first, second = await users(), await users()
    first_sid = await request_on(client, stack, first, oid)
    second_sid = await request_on(client, stack, second, oid)
    await transition(client, stack, taken, "end")
    await run_round(client, stack, oid, NOW - timedelta(hours=49))  # offered 49 h ago

    result = await run_round(client, stack, oid, NOW)

    assert [o["subscription_id"] for o in result["lapsed"]] == [first_sid]
    assert [o["subscription_id"] for o in result["offered"]] == [second_sid]
    assert (await mine(client, first, first_sid))["waitlist"]["status"] == "lapsed"
    late = await client.post(
        f"/v1/subscriptions/{first_sid}/waitlist/confirm", headers=first.headers
    )
    assert late.status_code == 409 and late.json()["error"] == "offer_expired"


async def test_a_waiting_request_withdrawn_or_refused_leaves_the_list(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    [taken] = await full_offering(client, stack, users, oid)
    first, second, third = await users(), await users(), await users()
    first_sid = await request_on(client, stack, first, oid)
    second_sid = await request_on(client, stack, second, oid)
    third_sid = await request_on(client, stack, third, oid)

    await transition(client, stack, first_sid, "withdraw")
    await transition(client, stack, second_sid, "refuse", reason="Pas d'emploi au site")

    assert (await mine(client, first, first_sid))["waitlist"]["status"] == "left"
    assert (await mine(client, third, third_sid))["waitlist"]["rank"] == 1
    await transition(client, stack, taken, "end")
    result = await run_round(client, stack, oid, NOW)
    assert [o["subscription_id"] for o in result["offered"]] == [third_sid]


async def test_two_spaces_freed_at_once_go_to_two_different_people(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    taken = await full_offering(client, stack, users, oid, capacity=2)
    people = [await users() for _ in range(3)]
    sids = [await request_on(client, stack, p, oid) for p in people]

    await asyncio.gather(*(transition(client, stack, sid, "end") for sid in taken))
    rounds = await asyncio.gather(*(run_round(client, stack, oid, NOW) for _ in range(4)))

    offered = {o["subscription_id"] for r in rounds for o in r["offered"]}
    assert offered == set(sids[:2])
    assert (await mine(client, people[2], sids[2]))["waitlist"] == {
        "status": "waiting",
        "rank": 1,
        "offered_at": None,
        "offer_expires_at": None,
        "confirm_hours": 48,
    }
    # A request made now waits behind them, even though nobody holds the third space yet.
    late = await users()
    assert (await mine(client, late, await request_on(client, stack, late, oid)))["waitlist"][
        "rank"
    ] == 2


async def test_an_approval_cannot_take_a_space_held_for_the_waitlist(real: Real) -> None:
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    operator = await users(role="operator")
    await offering(client, operator, oid, capacity=1)
    early, owner, waiting = await users(), await users(), await users()
    early_sid = await request_on(client, stack, early, oid)  # a space was free: not waitlisted
    vehicle = await add_vehicle(client, owner)
    taken = await active_row(client, stack, owner, oid, [vehicle["id"]])
    waiting_sid = await request_on(client, stack, waiting, oid)
    await transition(client, stack, taken, "end")
    await run_round(client, stack, oid, NOW)  # the freed space is offered to `waiting`

    refused = await decide(client, operator, early_sid)

    assert (refused.status_code, refused.json()["error"]) == (409, "offering_full")
    assert (await mine(client, early, early_sid))["waitlist"] is None
    assert (await mine(client, waiting, waiting_sid))["waitlist"]["status"] == "offered"


async def test_a_request_waiting_in_line_does_not_expire_until_it_leaves_the_line(
    real: Real,
) -> None:
    """The workflow's 30-day expiry (`expire`) is refused while the request waits in line or has
    a space offered: nobody could have approved it. Lapsed, it expires as any other."""
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    [taken] = await full_offering(client, stack, users, oid)
    first, second = await users(), await users()
    first_sid = await request_on(client, stack, first, oid)
    second_sid = await request_on(client, stack, second, oid)

    waiting = await transition(client, stack, second_sid, "expire")
    assert (waiting.status_code, waiting.json()["error"]) == (409, "waitlisted")
    kept = await mine(client, second, second_sid)
    assert (kept["status"], kept["waitlist"]["rank"]) == ("pending_approval", 2)

    await transition(client, stack, taken, "end")
    await run_round(client, stack, oid, NOW - timedelta(hours=49))  # offered to the first
    offered = await transition(client, stack, first_sid, "expire")
    assert (offered.status_code, offered.json()["error"]) == (409, "waitlisted")
    assert (await mine(client, first, first_sid))["waitlist"]["status"] == "offered"

    await run_round(client, stack, oid, NOW)  # not confirmed in time: lapsed
    lapsed = await transition(client, stack, first_sid, "expire")
    assert lapsed.status_code == 200, lapsed.text
    assert (await mine(client, first, first_sid))["status"] == "expired"
    assert (await mine(client, second, second_sid))["waitlist"]["status"] == "offered"


async def test_requests_arriving_together_on_a_full_offering_all_join_the_line(
    real: Real,
) -> None:
    """Each request locks its offering's row to count the spaces; on PostgreSQL its own insert
    already held a key-share lock on that row (the foreign key), so two requests at once used
    to deadlock (500) when the lock was FOR UPDATE."""
    client, stack, users = real.client, real.stack, real.users
    oid = next(OFFERINGS)
    await full_offering(client, stack, users, oid)
    people = [await users() for _ in range(6)]
    vehicles = [(await add_vehicle(client, p))["id"] for p in people]

    sids = await asyncio.gather(
        *(pending_row(stack, p, oid, [v]) for p, v in zip(people, vehicles, strict=True))
    )

    ranks = [
        (await mine(client, p, sid))["waitlist"]["rank"]
        for p, sid in zip(people, sids, strict=True)
    ]
    assert sorted(ranks) == [1, 2, 3, 4, 5, 6]
