"""`waitlist-<offering id>` on the time-skipping server, against the real subscriptions and
identity apps and the suite's SMTP server: two cancellations take effect at the same moment and
the workflow is told twice at once; the two spaces go to the first two people waiting, each
emailed once, the third keeps waiting. An offer not confirmed within the offering's time (72 h)
passes to the next person, with an email to each (a durable timer). A request waiting in line
is not expired by its own workflow's 30-day timer: the timer starts again each time, and the
request expires only once it has left the line undecided. The service's side (ranks, confirm,
approval, the refused expiry): tests/subscriptions/test_waitlist_api.py.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.testing import WorkflowEnvironment

from tests.subscriptions.factories import User, active_row, add_vehicle, pending_row, transition
from tests.workflows import subscription_services
from tests.workflows.helpers import eventually, running_worker
from tests.workflows.subscription_services import Real
from workflows.subscription.billing_activities import BillingActivities
from workflows.subscription.models import SubscriptionInput
from workflows.subscription.models import workflow_id as subscription_workflow_id
from workflows.subscription.workflows import SubscriptionWorkflow
from workflows.waitlist.activities import WaitlistActivities
from workflows.waitlist.models import SpaceMayBeFree, WaitlistInput, workflow_id
from workflows.waitlist.workflows import WaitlistWorkflow

real = subscription_services.real
OFFER_SUBJECT = "Une place vous est offerte"
LAPSED_SUBJECT = "Votre place offerte n'a pas été confirmée"


async def tell(env: WorkflowEnvironment, queue: str, offering_id: int) -> None:
    """What the service's outbox does when a space frees (`waitlist_kick.tell`): signal-with-
    start, or a signal when the server answers that a twin start just won the race."""
    try:
        await env.client.start_workflow(
            WaitlistWorkflow.run,
            WaitlistInput(offering_id=offering_id),
            id=workflow_id(offering_id),
            task_queue=queue,
            start_signal="space_may_be_free",
            start_signal_args=[SpaceMayBeFree(offering_id=offering_id)],
        )
    except WorkflowAlreadyStartedError:
        handle = env.client.get_workflow_handle(workflow_id(offering_id))
        await handle.signal("space_may_be_free", SpaceMayBeFree(offering_id=offering_id))


async def place(real: Real, user: User, sid: str) -> dict[str, Any]:
    response = await real.client.get(f"/v1/subscriptions/{sid}", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()["waitlist"]  # type: ignore[no-any-return]


async def until_status(real: Real, user: User, sid: str, status: str) -> dict[str, Any]:
    """Poll the owner's view in real time (workflow time does not move meanwhile)."""
    for _ in range(500):
        found = await place(real, user, sid)
        if found["status"] == status:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} never {status}: {found}")


def subjects(real: Real, user: User) -> list[str]:
    return [str(m["Subject"]) for m in real.inbox(user.email)]


@pytest.fixture
def queue() -> str:
    return f"waitlist-{uuid.uuid4().hex[:8]}"


async def test_two_spaces_freed_at_once_are_offered_to_two_people_then_passed_on(
    env: WorkflowEnvironment, real: Real, queue: str
) -> None:
    oid = await real.offering(capacity=2)
    holders = [await real.users() for _ in range(2)]
    taken = []
    for holder in holders:
        vehicle = await add_vehicle(real.client, holder)
        taken.append(await active_row(real.client, real.stack, holder, oid, [vehicle["id"]]))
    people = [await real.users() for _ in range(3)]
    sids = []
    for person in people:
        vehicle = await add_vehicle(real.client, person)
        sids.append(await pending_row(real.stack, person, oid, [vehicle["id"]]))
    http = httpx.AsyncClient(mounts=real.mounts)
    activities = [WaitlistActivities(http, real.platform).round, real.activities.email_user]

    async with running_worker(env, activities, queue):
        # Both cancellations take effect at the same moment; each tells the workflow.
        ended = await asyncio.gather(
            *(transition(real.client, real.stack, sid, "end") for sid in taken)
        )
        assert [r.status_code for r in ended] == [200, 200]
        await asyncio.gather(tell(env, queue, oid), tell(env, queue, oid))

        first = await until_status(real, people[0], sids[0], "offered")
        second = await until_status(real, people[1], sids[1], "offered")
        await eventually(lambda: OFFER_SUBJECT in subjects(real, people[1]))
        assert first["offer_expires_at"] == second["offer_expires_at"]
        third = await place(real, people[2], sids[2])
        assert (third["status"], third["rank"]) == ("waiting", 1)
        confirmed = await real.client.post(
            f"/v1/subscriptions/{sids[0]}/waitlist/confirm", headers=people[0].headers
        )
        assert confirmed.status_code == 200, confirmed.text

        await env.sleep(timedelta(hours=72, minutes=1))
        await until_status(real, people[2], sids[2], "offered")
        await eventually(lambda: OFFER_SUBJECT in subjects(real, people[2]))
        await eventually(lambda: LAPSED_SUBJECT in subjects(real, people[1]))
        assert (await place(real, people[0], sids[0]))["status"] == "confirmed"
        assert (await place(real, people[1], sids[1]))["status"] == "lapsed"
        handle = env.client.get_workflow_handle(workflow_id(oid))
        await handle.terminate("test over")
    await http.aclose()

    # Each offer emailed once, though the workflow was told twice and ran several rounds.
    assert [subjects(real, p).count(OFFER_SUBJECT) for p in people] == [1, 1, 1]
    offer = next(m for m in real.inbox(people[2].email) if m["Subject"] == OFFER_SUBJECT)
    body = offer.get_body(("plain",))
    assert body is not None and f"/mon-abonnement/{sids[2]}" in body.get_content()


def transitions_asked(real: Real) -> list[str]:
    """The actions the subscription workflow's activities asked the service for, in order."""
    return [
        r.content.decode().split('"action":"', 1)[1].split('"', 1)[0]
        for r in real.requests
        if r.method == "POST" and r.url.path.endswith("/transitions")
    ]


async def test_a_request_waiting_in_line_expires_only_once_it_has_left_the_line(
    env: WorkflowEnvironment, real: Real, queue: str
) -> None:
    oid = await real.offering(capacity=1, waitlist_confirm_hours=48)
    holder, person = await real.users(), await real.users()
    vehicle = await add_vehicle(real.client, holder)
    taken = await active_row(real.client, real.stack, holder, oid, [vehicle["id"]])
    vehicle = await add_vehicle(real.client, person)
    sid = await pending_row(real.stack, person, oid, [vehicle["id"]])
    assert (await place(real, person, sid))["rank"] == 1
    row = await real.internal(sid)
    http = httpx.AsyncClient(mounts=real.mounts)
    activities = [
        real.activities.transition,
        real.activities.load,
        real.activities.email_user,
        real.activities.email_service_centre,
        # A request that never ran gives back its payment method (none: payroll deduction).
        BillingActivities(http, real.platform).release_payment_method,
    ]

    async with running_worker(env, activities, queue):
        handle = await env.client.start_workflow(
            SubscriptionWorkflow.run,
            SubscriptionInput(
                subscription_id=sid,
                contract_number=row["contract_number"],
                site_id=row["site_id"],
                offering_id=oid,
            ),
            id=subscription_workflow_id(sid),
            task_queue=queue,
        )
        # Day 30: the service keeps it (waiting in line); the timer starts again, once.
        await env.sleep(timedelta(days=31))
        await eventually(lambda: transitions_asked(real) == ["expire"])
        await asyncio.sleep(0.5)  # no second attempt right away (no loop on the refusal)
        assert transitions_asked(real) == ["expire"]
        assert (await place(real, person, sid))["status"] == "waiting"
        # Day 60: still in line, still kept.
        await env.sleep(timedelta(days=30))
        await eventually(lambda: transitions_asked(real) == ["expire", "expire"])
        assert (await real.internal(sid))["status"] == "pending_approval"

        # The space frees and is offered, but not confirmed in time: out of the line.
        assert (await transition(real.client, real.stack, taken, "end")).status_code == 200
        now = datetime.now(UTC)
        for at in (now - timedelta(hours=49), now):
            response = await real.client.post(
                f"/internal/v1/offerings/{oid}/waitlist/round",
                json={"now": at.isoformat()},
                headers=real.stack.internal,
            )
            assert response.status_code == 200, response.text
        assert (await place(real, person, sid))["status"] == "lapsed"

        result = await handle.result()  # at the next deadline, it expires
    await http.aclose()
    assert result.status == "expired"
    assert transitions_asked(real) == ["expire", "expire", "expire"]
    assert (await real.internal(sid))["status"] == "expired"
    await eventually(lambda: len(real.inbox(person.email)) >= 2)  # received, then expired
