"""`waitlist-<offering id>`: one workflow per offering's waitlist (docs/subscriptions-api.md,
"Waitlist").

It runs rounds: each asks the subscriptions service (under the offering's row lock) to lapse the
offers past their deadline and to offer each free space to the next person waiting, emails the
people offered a space (« Une place vous est offerte ») and those whose offer lapsed, then sleeps
on a durable timer until the earliest offer's deadline or until it is told a space may be free
(`space_may_be_free`, sent by the service's outbox, with signal-with-start). Capacity is the
service's: two signals at once, or two workflows' rounds, never offer one space twice. It ends
when nobody waits and no offer is out; it continues-as-new every `ROUNDS_PER_RUN` rounds.

Workflow code (it runs inside the sandbox): only the standard library and temporalio at top
level, the rest passed through.
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.retries import HEARTBEAT_TIMEOUT, SERVICE_RETRY
    from workflows.subscription.activities import SubscriptionActivities
    from workflows.subscription.activity_options import execute
    from workflows.subscription.models import UserEmailInput
    from workflows.waitlist.activities import WaitlistActivities
    from workflows.waitlist.models import (
        RoundRequest,
        SpaceMayBeFree,
        WaitlistInput,
        WaitlistOffer,
        WaitlistResult,
        WaitlistRound,
        workflow_id,
    )

ROUNDS_PER_RUN = 100


@workflow.defn
class WaitlistWorkflow:
    """One offering's waitlist: offers, deadlines, and the offer passing to the next person."""

    def __init__(self) -> None:
        self.news = False  # told a space may be free since the last round began
        self.notified: set[int] = set()  # entries whose offer was emailed

    @workflow.run
    async def run(self, input: WaitlistInput) -> WaitlistResult:
        self.notified = set(input.notified)
        rounds = 0
        while True:
            self.news = False
            result = await self._round(input.offering_id)
            rounds += 1
            if not (result.waiting or result.next_deadline or self.news):
                return WaitlistResult(offering_id=input.offering_id, rounds=rounds)
            if rounds >= ROUNDS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                carried = WaitlistInput(offering_id=input.offering_id, notified=self._kept(result))
                workflow.continue_as_new(carried)
            await self._sleep(result)

    @workflow.signal
    def space_may_be_free(self, news: SpaceMayBeFree) -> None:
        """A space was freed (a cancellation took effect, a request left) or someone joined."""
        self.news = True

    async def _round(self, offering_id: int) -> WaitlistRound:
        request = RoundRequest(offering_id=offering_id, now=workflow.now())
        result = await workflow.execute_activity_method(
            WaitlistActivities.round,
            request,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=SERVICE_RETRY,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )
        for offer in result.offered:
            if offer.entry_id not in self.notified:
                await self._email(offering_id, offer, "waitlist_offered")
                self.notified.add(offer.entry_id)
        for lapsed in result.lapsed:
            self.notified.discard(lapsed.entry_id)
            await self._email(offering_id, lapsed, "waitlist_lapsed")
        return result

    async def _email(self, offering_id: int, offer: WaitlistOffer, kind: str) -> None:
        email = UserEmailInput.model_validate(
            {
                "subscription_id": offer.subscription_id,
                "kind": kind,
                "key": f"{workflow_id(offering_id)}:{kind}:{offer.entry_id}",
                "offer_expires_at": offer.offer_expires_at,
            }
        )
        await execute(SubscriptionActivities.email_user, email)

    async def _sleep(self, result: WaitlistRound) -> None:
        """Until news, or the earliest offer's deadline (a durable timer)."""
        if result.next_deadline is None:
            await workflow.wait_condition(lambda: self.news)
            return
        remaining = result.next_deadline - workflow.now()
        if remaining <= timedelta(0):
            return
        try:
            await workflow.wait_condition(lambda: self.news, timeout=remaining)
        except TimeoutError:  # asyncio.TimeoutError is TimeoutError since 3.11
            pass

    def _kept(self, result: WaitlistRound) -> list[int]:
        """The emailed offers still out (the others need no memory)."""
        out = {offer.entry_id for offer in result.offered}
        return sorted(self.notified & out)
