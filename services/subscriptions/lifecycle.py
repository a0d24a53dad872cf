"""Subscriptions' side of the subscription lifecycle: a typed client of `SubscriptionWorkflow`.

`Lifecycle` starts the workflow and runs its updates and signals by method reference (never by
string name); `SubscriptionLifecycle` is one subscription's actions, in the service's words
(`withdraw`, `schedule_cancellation`, `decision_recorded`, ...), building the workflow's
payloads itself. Each update carries an actor token the service signs for the person it
authenticated (`Actor`), for this workflow and this update only, valid
`PLATFORM_ACTOR_TOKEN_SECONDS`: the workflow's validators refuse any update without one
(servicekit/actor_token.py). When the workflow is not found it asks its `Recovery` (the outbox)
to start it, then tries once more. The workflow writes every state change it makes back through
the internal transitions endpoint; the operator's decision the service records itself and then
tells the workflow (`decisions.py`): the database stays the source of truth.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, Protocol, TypeVar

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from servicekit.actor_token import ActorTokenKeys
from servicekit.errors import DomainError
from servicekit.lifecycle import ActorRole
from servicekit.temporal import ClientFactory, LazyClient
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.errors import (
    WORKFLOW_CODES,
    WORKFLOW_FIELD_CODES,
    ActorNotProven,
    InvalidTransition,
    WorkflowNotFound,
    WorkflowUnavailable,
    field_error,
)
from services.subscriptions.models import Subscription
from workflows.subscription.models import (
    CancellationRequest,
    CancellationWithdrawal,
    LifecycleState,
    ModificationDecision,
    ModificationRequest,
    PaymentMethodUpdated,
    RecordedDecision,
    Signed,
    SubscriptionInput,
    Withdrawal,
    workflow_id,
)
from workflows.subscription.workflows import SubscriptionWorkflow

log = logging.getLogger(__name__)

ArgT = TypeVar("ArgT", bound=Signed)
T = TypeVar("T")
Update = UpdateMethodMultiParam[[SubscriptionWorkflow, ArgT], LifecycleState]
Handle = WorkflowHandle[SubscriptionWorkflow, LifecycleState]
DecisionKind = Literal["approve", "refuse"]


@dataclass(frozen=True)
class Actor:
    """Who acts, as this service authenticated them (their role and account id)."""

    role: ActorRole
    id: str

    @classmethod
    def operator(cls, account_id: str) -> "Actor":
        return cls(ActorRole.OPERATOR, account_id)

    @classmethod
    def user(cls, account_id: str) -> "Actor":
        return cls(ActorRole.USER, account_id)


def workflow_input(sub: Subscription, settings: SubscriptionsSettings) -> SubscriptionInput:
    """The workflow's start: ids only, no personal data."""
    return SubscriptionInput(
        subscription_id=sub.id,
        contract_number=sub.contract_number,
        site_id=sub.site_id,
        offering_id=sub.offering_id,
        reminder_after_days=settings.reminder_after_days,
        expire_after_days=settings.expire_after_days,
    )


class Lifecycle:
    """Starts `SubscriptionWorkflow`, runs its updates and sends its signal; errors come back
    as domain errors (`WorkflowNotFound` when it is over or was never started)."""

    def __init__(
        self, client: Client | ClientFactory, task_queue: str, tokens: ActorTokenKeys
    ) -> None:
        self._temporal = LazyClient(client)
        self.task_queue = task_queue
        self.tokens = tokens

    async def client(self) -> Client:
        """The Temporal client, connected on first use (503 while the server cannot be reached)."""
        try:
            return await self._temporal.get()
        except (RuntimeError, OSError) as exc:
            log.warning("Temporal unreachable: %s", exc)
            raise WorkflowUnavailable() from exc

    async def start(self, data: SubscriptionInput) -> None:
        """Start the subscription's lifecycle (a second start is harmless)."""
        client = await self.client()
        try:
            await client.start_workflow(
                SubscriptionWorkflow.run,
                data,
                id=workflow_id(data.subscription_id),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )
        except RPCError as exc:
            log.warning("could not start subscription workflow: %s", exc.status)
            raise WorkflowUnavailable() from exc

    async def update(
        self, subscription_id: str, update: Update[ArgT], arg: ArgT, update_id: str | None = None
    ) -> LifecycleState:
        """Run one update and wait for its outcome; a refusal becomes the matching error.

        The same `update_id` sent again while the run is open answers the first outcome.
        """
        handle = await self._handle(subscription_id)
        try:
            return await _delivered(handle.execute_update(update, arg, id=update_id))
        except WorkflowUpdateFailedError as exc:
            raise _refusal(exc) from exc

    async def payment_method_updated(self, subscription_id: str, arg: PaymentMethodUpdated) -> None:
        """Tell the workflow the card was replaced (it retries what is owed in its own time)."""
        handle = await self._handle(subscription_id)
        await _delivered(handle.signal(SubscriptionWorkflow.payment_method_updated, arg))

    async def _handle(self, subscription_id: str) -> Handle:
        client = await self.client()
        return client.get_workflow_handle_for(
            SubscriptionWorkflow.run, workflow_id(subscription_id)
        )


async def _delivered(call: Awaitable[T]) -> T:
    """The call's answer; a workflow Temporal does not know, or Temporal away, as errors."""
    try:
        return await call
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:  # over, or never started: callers decide
            raise WorkflowNotFound() from exc
        log.warning("update or signal not delivered: %s", exc.status)
        raise WorkflowUnavailable() from exc


class Recovery(Protocol):
    """What to do when a subscription's workflow is not found (the outbox answers)."""

    async def start_waiting(self, subscription_id: str) -> None:
        """Start the workflow if its start still waits in the outbox."""

    async def missing(self, subscription_id: str) -> DomainError:
        """The error for a workflow that is still not found."""


class SubscriptionLifecycle:
    """One subscription's actions on its workflow, typed; a workflow not found is started
    through `recovery` (when given) and the action tried once more."""

    def __init__(
        self, lifecycle: Lifecycle, subscription_id: str, recovery: Recovery | None = None
    ) -> None:
        self._lifecycle, self._id, self._recovery = lifecycle, subscription_id, recovery

    async def withdraw(self, user: Actor) -> LifecycleState:
        """The user withdraws the pending request."""
        return await self._update(SubscriptionWorkflow.withdraw, "withdraw", user, Withdrawal())

    async def schedule_cancellation(self, actor: Actor, requested: date) -> LifecycleState:
        """Cancel at a date (the workflow has the service apply the notice clause)."""
        arg = CancellationRequest(requested_date=requested)
        update = SubscriptionWorkflow.schedule_cancellation
        return await self._update(update, "schedule_cancellation", actor, arg)

    async def withdraw_cancellation(self, actor: Actor) -> LifecycleState:
        """Withdraw the scheduled cancellation before its date."""
        update = SubscriptionWorkflow.withdraw_cancellation
        return await self._update(update, "withdraw_cancellation", actor, CancellationWithdrawal())

    async def request_modification(self, user: Actor, modification_id: str) -> LifecycleState:
        """Tell the workflow of a modification request the service recorded."""
        arg = ModificationRequest(modification_id=modification_id)
        update = SubscriptionWorkflow.request_modification
        return await self._update(update, "request_modification", user, arg)

    async def decide_modification(
        self, operator: Actor, modification_id: str, decision: DecisionKind, reason: str | None
    ) -> LifecycleState:
        """The operator applies or refuses the pending modification."""
        arg = ModificationDecision(
            decision=decision, reason=reason, modification_id=modification_id
        )
        update = SubscriptionWorkflow.decide_modification
        return await self._update(update, "decide_modification", operator, arg)

    async def decision_recorded(self, operator: Actor, arg: RecordedDecision) -> None:
        """The operator's decision, already recorded by the service, signed for that operator.
        One update id per run: the relay telling it again joins the first."""
        update = SubscriptionWorkflow.decision_recorded
        await self._update(update, "decision_recorded", operator, arg, "decision_recorded")

    async def payment_method_updated(self, account_id: str) -> None:
        """The user replaced the card: what is owed is tried again at once."""
        arg = PaymentMethodUpdated(account_id=account_id)
        await self._reach(lambda: self._lifecycle.payment_method_updated(self._id, arg))

    async def _update(
        self,
        update: Update[ArgT],
        name: str,
        actor: Actor,
        arg: ArgT,
        update_id: str | None = None,
    ) -> LifecycleState:
        """Send `update` (the workflow's update `name`) with a fresh token for `actor`."""

        def send() -> Awaitable[LifecycleState]:
            signed = arg.model_copy(update={"actor_token": self._token(actor, name)})
            return self._lifecycle.update(self._id, update, signed, update_id)

        return await self._reach(send)

    def _token(self, actor: Actor, action: str) -> str:
        now = datetime.now(UTC)
        return self._lifecycle.tokens.issue(
            actor.role, actor.id, workflow_id(self._id), action, now
        )

    async def _reach(self, send: Callable[[], Awaitable[T]]) -> T:
        """Send; a workflow not found is started from the outbox, then sent to once more.

        The second attempt runs even when no entry waited: the relay may have started the
        workflow between the first attempt and the look at the outbox (it deletes the entry
        once started)."""
        if self._recovery is None:
            return await send()
        try:
            return await send()
        except WorkflowNotFound:
            await self._recovery.start_waiting(self._id)
        try:
            return await send()
        except WorkflowNotFound:
            raise await self._recovery.missing(self._id) from None


def _refusal(exc: WorkflowUpdateFailedError) -> DomainError:
    cause: BaseException | None = exc.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__
    if isinstance(cause, ApplicationError) and cause.type == ActorNotProven.code:
        # Our own token refused: the keys differ, or the update waited too long for a worker.
        log.error("the workflow refused our actor token: %s %s", cause.message, cause.details)
    if isinstance(cause, ApplicationError) and cause.type:
        return error_for_code(cause.type)
    log.warning("update failed without a code: %s", exc.cause)
    return InvalidTransition()


def error_for_code(code: str) -> DomainError:
    """The domain error for a code the workflow or its activities reported."""
    if code in WORKFLOW_FIELD_CODES:
        return field_error(WORKFLOW_FIELD_CODES[code], code)
    return WORKFLOW_CODES.get(code, InvalidTransition)()
