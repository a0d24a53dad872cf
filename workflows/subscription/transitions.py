"""How `SubscriptionWorkflow` changes its subscription: every state change is a transition the
subscriptions service records (idempotent by key); the workflow adopts the service's answer.

Workflow code (it runs inside the workflow's sandbox): only the standard library and temporalio
at top level, the rest passed through.
"""

from datetime import date

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.subscription.activities import SubscriptionActivities
    from workflows.subscription.activity_options import execute, failure_type
    from workflows.subscription.models import (
        SubscriptionRef,
        SubscriptionSnapshot,
        TransitionAction,
        TransitionInput,
    )
    from workflows.subscription.record import key, rejected

SYSTEM = "system"  # the actor of what the workflow's own timers do


class Transitions:
    """Transitions asked by updates (a refusal fails the update) and by the workflow's timers
    (a refusal resynchronises from the service); `error` keeps the last refusal's code."""

    def __init__(self, subscription_id: str) -> None:
        self.subscription_id = subscription_id
        self.error: str | None = None  # the code of the last update the service refused

    async def change(
        self,
        action: TransitionAction,
        actor: str,
        *,
        n: int | str | None = None,
        reason: str | None = None,
        date: date | None = None,
        modification_id: str | None = None,
        request_key: str | None = None,
    ) -> SubscriptionSnapshot:
        """A transition asked by an update; a refusal by the service fails the update."""
        asked = TransitionInput(
            subscription_id=self.subscription_id,
            action=action,
            actor=actor,
            idempotency_key=key(action, n),
            reason=reason,
            requested_date=date,
            modification_id=modification_id,
            request_key=request_key,
        )
        try:
            snapshot = await execute(SubscriptionActivities.transition, asked)
        except ActivityError as error:
            code = failure_type(error)
            self.error = code
            raise rejected(code, f"the subscriptions service refused {action}: {code}") from None
        self.error = None
        return snapshot

    async def system_change(
        self, action: TransitionAction, n: int | None = None
    ) -> SubscriptionSnapshot:
        """A transition of the workflow's own timers; on a refusal, adopt the service's state."""
        try:
            return await self.change(action, SYSTEM, n=n)
        except ApplicationError as error:
            self.error = None  # not an answer to anyone's update
            workflow.logger.warning("%s refused (%s): resynchronising", action, error.type)
            return await self.load()

    async def load(self) -> SubscriptionSnapshot:
        """The subscription as the service has it."""
        ref = SubscriptionRef(subscription_id=self.subscription_id)
        return await execute(SubscriptionActivities.load, ref)
