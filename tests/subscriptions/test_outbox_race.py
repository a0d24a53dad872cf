"""The outbox relay and a user's action meet on a request whose workflow was never started.

The interleaving CI once hit, made deterministic: the user's withdrawal finds no workflow; the
relay then starts it and deletes the outbox entry; only then does the withdrawal look at the
outbox and find nothing. The withdrawal must still succeed: the workflow exists by then.

Real parts: the session's Temporal, worker and database; the relay's delivery is the real
`outbox.deliver`, run at the exact moment between the two looks.
"""

from dataclasses import replace
from typing import TypeVar

from sqlalchemy import select

from services.subscriptions import outbox, service
from services.subscriptions.dependencies import Components
from services.subscriptions.errors import WorkflowNotFound
from services.subscriptions.lifecycle import Actor, Lifecycle, Update
from services.subscriptions.models import LifecycleOutbox
from services.subscriptions.schemas import SubscriptionIn
from tests.subscriptions.factories import HULL_DAS, add_vehicle, request_body
from workflows.subscription.models import LifecycleState

ArgT = TypeVar("ArgT")


class RelayWinsTheRace(Lifecycle):
    """The real lifecycle, but the first update that finds no workflow lets the relay deliver
    the waiting entry before the caller hears `NOT_FOUND`."""

    def __init__(self, real: Lifecycle, parts: Components) -> None:
        self.__dict__.update(real.__dict__)
        self.parts = replace(parts, lifecycle=real)
        self.raced = False

    async def update(
        self, subscription_id: str, update: Update[ArgT], arg: ArgT, update_id: str | None = None
    ) -> LifecycleState:
        try:
            return await super().update(subscription_id, update, arg, update_id)
        except WorkflowNotFound:
            if not self.raced:
                self.raced = True
                await relay_delivers(self.parts, subscription_id)
            raise


async def relay_delivers(parts: Components, subscription_id: str) -> None:
    async with parts.transaction() as session:
        query = select(LifecycleOutbox.id).where(LifecycleOutbox.subscription_id == subscription_id)
        entry_id = (await session.execute(query)).scalar_one()
    await outbox.deliver(parts, entry_id)


async def stored_without_workflow(parts: Components, account_id: str, body: dict) -> str:
    """A request committed with its outbox entry by a process that died before Temporal."""
    async with parts.transaction() as session:
        sub = await service.request(
            session, parts.settings, account_id, SubscriptionIn.model_validate(body)
        )
        outbox.add_start(session, sub.id)
        return sub.id


async def test_an_action_racing_the_relay_still_reaches_the_started_workflow(client, users, stack):  # type: ignore[no-untyped-def]
    user = await users()
    vehicle = await add_vehicle(client, user)
    parts: Components = stack.app.state.components
    subscription_id = await stored_without_workflow(
        parts, user.id, request_body(HULL_DAS, [vehicle["id"]])
    )
    racing = RelayWinsTheRace(parts.lifecycle, parts)

    lifecycle = outbox.lifecycle_of(replace(parts, lifecycle=racing), subscription_id)
    state = await lifecycle.withdraw(Actor.user(user.id))

    assert racing.raced  # the relay did deliver in between
    assert state.status == "withdrawn"
    async with parts.transaction() as session:
        left = select(LifecycleOutbox).where(LifecycleOutbox.subscription_id == subscription_id)
        assert (await session.execute(left)).first() is None
    mine = await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)
    assert mine.json()["status"] == "withdrawn"
