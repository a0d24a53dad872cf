"""The operator's decision on a request, recorded by the service and answered at once.

The decision used to be a Temporal update whose handler asked this service, through an activity,
to change the state: the operator's click waited for a workflow task, an activity task, the
internal transition and a second workflow task, all queued behind the lifecycles the worker was
running (p50 2.1 s, p99 6.9 s at 20 in flight: issue 14). Now the decision is one transaction
here: the checks (pending, a refusal's reason), the state change with its audit entry, a
`decision` outbox entry and last, under the offering's row lock, the count of a space left. Once
the answer is sent the request tells the workflow with the `decision_recorded` update, signed for
the operator (in the background: the operator does not wait for the worker), and deletes the
entry; when the process dies first, the relay does it (`outbox.py`, docs/crash-safety.md). The
workflow adopts the decision; billing, the contract and the emails follow in it, as they did
after the update.
"""

import uuid

from servicekit.faults import crash_point
from servicekit.lifecycle import Action
from services.subscriptions import outbox, service, transitions
from services.subscriptions import repository as repo
from services.subscriptions.dependencies import Components
from services.subscriptions.errors import SubscriptionNotFound
from services.subscriptions.schemas import DecisionIn, TransitionIn
from workflows.subscription.models import workflow_id

# Between the decision's commit and the signal to its workflow (the crash tests).
AFTER_DECISION_COMMIT = "after-decision-commit"


def transition_of(subscription_id: str, operator_id: str, body: DecisionIn) -> TransitionIn:
    """The state change a decision makes; its key is the form's, else a new one."""
    key = body.idempotency_key or uuid.uuid4().hex
    return TransitionIn(
        action=Action.APPROVE if body.decision == "approve" else Action.REFUSE,
        actor=operator_id,
        reason=body.reason,
        idempotency_key=f"{workflow_id(subscription_id)}:decision:{operator_id}:{key}",
        request_key=body.idempotency_key,
    )


async def record(
    parts: Components, subscription_id: str, operator_id: str, body: DecisionIn
) -> int:
    """Decide in one transaction; the id of the outbox entry that tells the workflow (the
    caller delivers it once its answer is sent: `outbox.deliver_after_answer`)."""
    async with parts.transaction() as session:
        # The row lock first: a decision racing this one is seen decided (409 not_pending, or
        # the same form's answer), never as a transition refused later.
        sub = await repo.subscription(session, subscription_id, lock=True)
        if sub is None:
            raise SubscriptionNotFound()
        # Pending, and a refusal's reason; the approval's waitlist and space checks are the
        # transition's own (`_approve`), made once, under the offering's lock.
        service.check_decidable(sub, body)
        # Written before the transition: an approval takes its offering's lock last, and the
        # entry's insert is not one more round trip under it.
        entry = outbox.add_decision(session, subscription_id)
        change = transition_of(subscription_id, operator_id, body)
        await transitions.apply_to(session, parts.plates, sub, change)
    crash_point(AFTER_DECISION_COMMIT)
    return entry.id
