"""The offering's row lock is held for the fewest round trips (issue 14).

A request counts its offering's free spaces and waiting people under the offering's row lock (to
join the waitlist or not) and an approval counts them to take a space; on PostgreSQL the lock is
held until the commit, and every other request and decision on that offering queues behind it
(`pg_locks` during the lifecycle bench: every lock wait was on that row). So both take it as
their transaction's last step: what they write and what they answer is done first, and from the
lock to the commit there are only the counts (and, in line, the waitlist's own rows).

These tests read the statements each transaction sends (an SQLAlchemy hook, on SQLite and on
PostgreSQL alike) and fail when something more runs under the lock; they never time anything.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from services.subscriptions import repository as repo
from services.subscriptions import service
from services.subscriptions.schemas import ModificationIn
from tests.subscriptions.factories import (
    Stack,
    User,
    active_row,
    add_vehicle,
    offering,
    pending_row,
    request_body,
    transition,
)

LOCK, COMMIT = "LOCK offering", "COMMIT"


@dataclass
class Trace:
    """The statements each transaction sent, in order, by connection; a transaction ends at
    its COMMIT or ROLLBACK."""

    open: dict[int, list[str]] = field(default_factory=dict)
    done: list[list[str]] = field(default_factory=list)

    def seen(self, conn: Any, statement: str, options: dict[str, Any]) -> None:
        self.open.setdefault(id(conn), []).append(_kind(statement, options))

    def ended(self, conn: Any, how: str) -> None:
        self.done.append([*self.open.pop(id(conn), []), how])

    def locked(self, writes: str) -> list[list[str]]:
        """The transactions that took the offering's lock and wrote `writes`, each from the
        lock to its end."""
        return [t[t.index(LOCK) :] for t in self.done if LOCK in t and writes in t]


def _kind(statement: str, options: dict[str, Any]) -> str:
    """`LOCK offering`, `SELECT`, `INSERT <table>`, `UPDATE <table>`, `NOTIFY`..."""
    if options.get("offering_lock"):
        return LOCK
    words = statement.split()
    verb = words[0].upper()
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    if verb in ("UPDATE", "DELETE"):
        return f"{verb} {words[1] if verb == 'UPDATE' else words[2]}"
    return verb


@contextmanager
def traced(stack: Stack) -> Iterator[Trace]:
    engine: Engine = stack.parts.sessions.kw["bind"].sync_engine
    trace = Trace()

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        trace.seen(conn, statement, context.execution_options if context else {})

    def commit(conn) -> None:  # type: ignore[no-untyped-def]
        trace.ended(conn, COMMIT)

    def rollback(conn) -> None:  # type: ignore[no-untyped-def]
        trace.ended(conn, "ROLLBACK")

    hooks = (("before_cursor_execute", before), ("commit", commit), ("rollback", rollback))
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield trace
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


async def request(client, user: User, offering_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    vehicle = await add_vehicle(client, user)
    body = request_body(offering_id, [vehicle["id"]])
    response = await client.post("/v1/subscriptions", headers=user.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_request_with_room_locks_its_offering_only_to_count(
    client, stack, users, ids
) -> None:
    operator = await users(role="operator")
    made = await offering(client, operator, ids.next(), capacity=3)

    with traced(stack) as trace:
        created = await request(client, await users(), made["id"])

    assert created["waitlist"] is None
    assert trace.locked("INSERT subscriptions") == [[LOCK, "SELECT", COMMIT]]


async def test_a_request_on_a_full_offering_joins_the_line_last_and_sees_its_rank(
    client, stack, users, ids
) -> None:
    operator = await users(role="operator")
    made = await offering(client, operator, ids.next(), capacity=1, waitlist_confirm_hours=48)
    owner = await users()
    await active_row(client, stack, owner, made["id"], [(await add_vehicle(client, owner))["id"]])
    first = await users()
    await pending_row(stack, first, made["id"], [(await add_vehicle(client, first))["id"]])

    second = await users()
    with traced(stack) as trace:
        created = await request(client, second, made["id"])

    # The answer's place in line is the one counted under the lock, as the owner reads it later.
    assert created["waitlist"] == {
        "status": "waiting",
        "rank": 2,
        "offered_at": None,
        "offer_expires_at": None,
        "confirm_hours": 48,
    }
    mine = await client.get(f"/v1/subscriptions/{created['id']}", headers=second.headers)
    assert mine.json()["waitlist"] == created["waitlist"]
    [locked] = trace.locked("INSERT subscriptions")
    # The entry and the outbox kick that tells the offering's waitlist workflow, in either order.
    assert (locked[:2], sorted(locked[2:-1]), locked[-1]) == (
        [LOCK, "SELECT"],
        ["INSERT lifecycle_outbox", "INSERT waitlist_entries"],
        COMMIT,
    ), locked


async def test_an_approval_locks_its_offering_last_and_only_to_count(
    client, stack, users, ids
) -> None:
    operator = await users(role="operator")
    made = await offering(client, operator, ids.next(), capacity=2)
    user = await users()
    sid = await pending_row(stack, user, made["id"], [(await add_vehicle(client, user))["id"]])

    with traced(stack) as trace:
        decided = await client.post(
            f"/v1/operator/subscriptions/{sid}/decision",
            headers=operator.headers,
            json={"decision": "approve"},
        )

    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "active"
    # The state change, its audit entry, the outbox entry and the plate index's NOTIFY come
    # first; the lock, the count, the commit last.
    [locked] = trace.locked("UPDATE subscriptions")
    assert locked == [LOCK, "SELECT", COMMIT], locked


async def moved(stack: Stack, client, user: User, sid: str, to: int):  # type: ignore[no-untyped-def]
    """The workflow applies the owner's change of offering (recorded by the service; one refused
    before is withdrawn first, as the workflow does)."""
    async with stack.parts.transaction() as session:
        sub = await service.require(session, sid)
        before = await repo.pending_modification(session, sid)
        if before is not None:
            await service.withdraw_modification(session, before.id)
            await session.flush()
        data = ModificationIn(offering_id=to)
        row = await service.record_modification(session, user.id, sub, data)
    return await transition(client, stack, sid, "apply_modification", modification_id=row.id)


async def test_a_move_to_a_full_offering_is_refused_and_to_one_with_room_applied(
    client, stack, users, ids
) -> None:
    """The move takes a space of the new offering: counted once the change is written, under
    that offering's lock, and refused (nothing changed) when it would overfill it."""
    operator = await users(role="operator")
    here, full, roomy = ids.next(), ids.next(), ids.next()
    for oid, capacity in ((here, 3), (full, 1), (roomy, 1)):
        await offering(client, operator, oid, capacity=capacity)
    owner = await users()
    await active_row(client, stack, owner, full, [(await add_vehicle(client, owner))["id"]])
    user = await users()
    sid = await active_row(client, stack, user, here, [(await add_vehicle(client, user))["id"]])

    refused = await moved(stack, client, user, sid, full)
    assert (refused.status_code, refused.json()["error"]) == (409, "offering_full")
    async with stack.parts.read_transaction() as session:
        assert (await service.require(session, sid)).offering_id == here

    applied = await moved(stack, client, user, sid, roomy)
    assert applied.status_code == 200, applied.text
    async with stack.parts.read_transaction() as session:
        assert (await service.require(session, sid)).offering_id == roomy
