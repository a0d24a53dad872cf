"""How `SubscriptionWorkflow` changes its subscription: every state change is a transition the
subscriptions service records (idempotent by key); the workflow adopts the service's answer.

Workflow code (it runs inside the workflow's sandbox): only the standard library and temporalio
at top level, the rest passed through.
"""

from datetime import date

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.subscription import steps
    from workflows.subscription.models import (
        SubscriptionSnapshot,
        TransitionAction,
        TransitionInput,
    )
    from workflows.subscription.record import SubscriptionRecord, rejected

SYSTEM = "system"  # the actor of what the workflow's own timers do


class SubscriptionTransitions(SubscriptionRecord):
    """Transitions asked by updates (a refusal fails the update) and by the workflow's timers
    (a refusal resynchronises from the service)."""

    async def _change(
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
        try:
            snapshot = await steps.transition(
                TransitionInput(
                    subscription_id=self._input.subscription_id,
                    action=action,
                    actor=actor,
                    idempotency_key=self._key(action, n),
                    reason=reason,
                    requested_date=date,
                    modification_id=modification_id,
                    request_key=request_key,
                )
            )
        except ActivityError as error:
            code = steps.failure_type(error)
            self._error = code
            raise rejected(code, f"the subscriptions service refused {action}: {code}") from None
        self._error = None
        return snapshot

    async def _system_change(
        self, action: TransitionAction, n: int | None = None
    ) -> SubscriptionSnapshot:
        """A transition of the workflow's own timers; on a refusal, adopt the service's state."""
        try:
            return await self._change(action, SYSTEM, n=n)
        except ApplicationError as error:
            self._error = None  # not an answer to anyone's update
            workflow.logger.warning("%s refused (%s): resynchronising", action, error.type)
            return await steps.load(self._input.subscription_id)
