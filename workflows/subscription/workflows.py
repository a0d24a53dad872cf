"""The subscription lifecycle (`subscription-<id>`): request, decision, active life, end.

- Updates change state and answer at once; their follow-ups (emails, the contract) go through an
  outbox that `run()` drains, so a person's request never waits on SMTP.
- The console's decision is recorded by the service (capacity under its row lock), which answers
  at once and tells the workflow with `decision_recorded` (issue 14); `decide` (the workflow asks
  the service) stays for direct use: an approval refused `offering_full` leaves it pending.
- Montréal days; a cancellation takes effect at midnight at the start of its effective day.
- Billing (docs/billing.md): the first period at approval, then each 1st; continue-as-new after.
- Every update's validator first checks its actor token (`actors.py`); the handler records the
  actor the token names.
Collaborators: `Record` (carried state, search attributes, checks), `Transitions` (the
service's state changes), `Outbox` (emails), `Billing` (money), `CardWatch` (card expiry).
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.subscription.activities import SubscriptionActivities
    from workflows.subscription.activity_options import execute
    from workflows.subscription.actors import actor_of, require_actor
    from workflows.subscription.billing_loop import Billing
    from workflows.subscription.calendar import local_today, start_of_day
    from workflows.subscription.card_expiry import CardWatch
    from workflows.subscription.models import (
        CancellationRequest,
        CancellationWithdrawal,
        ContractInput,
        Decision,
        LifecycleState,
        ModificationDecision,
        ModificationRequest,
        PadDebitReturned,
        PaymentMethodUpdated,
        RecordedDecision,
        SubscriptionInput,
        Withdrawal,
    )
    from workflows.subscription.outbox import Outbox
    from workflows.subscription.record import Record, key, rejected, require_reason
    from workflows.subscription.transitions import Transitions

# The expiry timer starts again when the service keeps a request waiting in line (issue 15).
WAITING_IN_LINE = "waitlisted-request-not-expired"


@workflow.defn
class SubscriptionWorkflow:
    """Id `subscription-<id>`: the request until decided, then the subscription until it ends."""

    @workflow.init
    def __init__(self, input: SubscriptionInput) -> None:
        self.record = Record(input)
        self.transitions = Transitions(input.subscription_id)
        self.outbox = Outbox(input)
        self.lock = asyncio.Lock()  # one state change at a time (updates and timers)
        self.billing = Billing(self.record, self.transitions, self.outbox, self.lock)
        self.cards = CardWatch(self.record, self.outbox)  # the reminder before a card expires
        self.approval_attempts = 0  # each approval has its own key (a full offering refuses)
        self.reminder_sent = False
        self.onboarding_due = False  # billing, contract and approval email after an approval
        self.timer_changed = False  # a cancellation was scheduled, moved or withdrawn

    @workflow.run
    async def run(self, input: SubscriptionInput) -> LifecycleState:
        self.record.publish()
        if input.carried_state is None:
            self.outbox.user("subscription_received")
        await self._pending_phase()
        await self.billing.release_unused_method()
        await self._active_phase()
        await self._finish_billing()
        await self._flush()
        # An update that arrived as the subscription ended still gets its answer.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @workflow.query
    def status(self) -> LifecycleState:
        """Where the subscription stands, with the code of the last update the service refused."""
        return self.record.answer().model_copy(update={"error": self.transitions.error})

    @workflow.update
    async def decide(self, decision: Decision) -> LifecycleState:
        """The operator approves or refuses the pending request."""
        async with self.lock:
            self.record.require_pending()
            operator = actor_of(decision, decision.operator_id)
            if decision.decision == "approve":
                await self._approve(operator, decision.request_key)
            else:
                snapshot = await self.transitions.change(
                    "refuse",
                    operator,
                    reason=decision.reason,
                    request_key=decision.request_key,
                )
                self.record.adopt(snapshot)
                self.outbox.user("subscription_refused", reason=decision.reason)
        return self.record.answer()

    @decide.validator
    def _validate_decide(self, decision: Decision) -> None:
        require_actor(decision, "decide", "operator")
        self.record.require_pending()
        require_reason(decision)

    @workflow.update
    async def decision_recorded(self, recorded: RecordedDecision) -> LifecycleState:
        """The service recorded the operator's decision itself and answered at once (the
        console's path): adopt it and return; contract, billing and emails follow in `run()`.
        Told again (the outbox relay) or after the request moved on, it changes nothing."""
        if self.record.pending and recorded.snapshot.status != "pending_approval":
            self.record.adopt(recorded.snapshot)
            if self.record.live:
                self.onboarding_due = True
            elif self.record.status == "refused":
                self.outbox.user("subscription_refused", reason=recorded.reason)
        return self.record.answer()

    @decision_recorded.validator
    def _validate_decision_recorded(self, recorded: RecordedDecision) -> None:
        require_actor(recorded, "decision_recorded", "operator")

    @workflow.update
    async def withdraw(self, withdrawal: Withdrawal) -> LifecycleState:
        """The user withdraws the pending request ("Annuler cette demande de service")."""
        async with self.lock:
            self.record.require_pending()
            user = actor_of(withdrawal, withdrawal.account_id)
            self.record.adopt(await self.transitions.change("withdraw", user))
            self.outbox.user("subscription_withdrawn")
        return self.record.answer()

    @withdraw.validator
    def _validate_withdraw(self, withdrawal: Withdrawal) -> None:
        require_actor(withdrawal, "withdraw", "user")
        self.record.require_pending()

    @workflow.update
    async def schedule_cancellation(self, request: CancellationRequest) -> LifecycleState:
        """The user cancels at a date; the service applies the notice clause (or moves it)."""
        async with self.lock:
            self.record.require_live()
            state = self.record.state
            n = state.cancellations
            actor = actor_of(request, request.account_id)
            snapshot = await self.transitions.change(
                "schedule_cancellation", actor, n=n, date=request.requested_date
            )
            self.record.adopt(snapshot)
            state.cancellations = n + 1
            state.cancellation_effective = snapshot.cancellation_effective or request.requested_date
            self.timer_changed = True
            self.outbox.user(
                "subscription_cancellation_scheduled",
                n=n,
                effective_date=state.cancellation_effective,
            )
        return self.record.answer()

    @schedule_cancellation.validator
    def _validate_schedule_cancellation(self, request: CancellationRequest) -> None:
        require_actor(request, "schedule_cancellation", "user", "operator")
        self.record.require_live()
        if request.requested_date < local_today(workflow.now()):
            raise rejected("date_in_past", "the cancellation date is in the past")

    @workflow.update
    async def withdraw_cancellation(self, request: CancellationWithdrawal) -> LifecycleState:
        """The user withdraws the scheduled cancellation before its date."""
        async with self.lock:
            self.record.require_cancellation()
            n = self.record.state.cancellations - 1  # the cancellation being withdrawn
            snapshot = await self.transitions.change(
                "withdraw_cancellation", actor_of(request, request.account_id), n=n
            )
            self.record.adopt(snapshot)
            self.record.state.cancellation_effective = None
            self.timer_changed = True
            self.outbox.user("subscription_cancellation_withdrawn", n=n)
        return self.record.answer()

    @withdraw_cancellation.validator
    def _validate_withdraw_cancellation(self, request: CancellationWithdrawal) -> None:
        require_actor(request, "withdraw_cancellation", "user", "operator")
        self.record.require_cancellation()

    @workflow.signal
    def payment_method_updated(self, update: PaymentMethodUpdated) -> None:
        """The user replaced the card: what is owed is retried now; the reminder follows it."""
        if self.record.state.billing.outstanding:
            self.billing.card_updated = True
        self.cards.method_updated()

    @workflow.signal
    def pad_debit_returned(self, returned: PadDebitReturned) -> None:
        """The bank sent a PAD debit back: its invoice is owed again (docs/billing.md)."""
        self.billing.debit_returned(returned)

    @workflow.update
    def request_modification(self, request: ModificationRequest) -> LifecycleState:
        """The service recorded a modification request: remember it, tell the service centre.

        The same request told again (the outbox relay after a crash) changes nothing.
        """
        state = self.record.state
        if state.pending_modification_id == request.modification_id:
            return self.record.answer()
        state.pending_modification_id = request.modification_id
        self.outbox.centre(
            "subscription_modification_requested",
            n=request.modification_id,
            modification_id=request.modification_id,
        )
        return self.record.answer()

    @request_modification.validator
    def _validate_request_modification(self, request: ModificationRequest) -> None:
        require_actor(request, "request_modification", "user")
        self.record.require("active", "not_active")
        pending = self.record.state.pending_modification_id
        if pending is not None and pending != request.modification_id:
            raise rejected("modification_pending", "a modification request is already pending")

    @workflow.update
    async def decide_modification(self, decision: ModificationDecision) -> LifecycleState:
        """The operator applies or refuses the pending modification."""
        async with self.lock:
            self.record.require_modification(decision.modification_id)
            mid = decision.modification_id
            operator = actor_of(decision, decision.operator_id)
            if decision.decision == "approve":
                snapshot = await self.transitions.change(
                    "apply_modification", operator, n=mid, modification_id=mid
                )
                self.record.adopt(snapshot)
                self.outbox.user("subscription_modification_applied", n=mid)
            else:
                await self.transitions.change(
                    "refuse_modification",
                    operator,
                    n=mid,
                    reason=decision.reason,
                    modification_id=mid,
                )
                self.outbox.user("subscription_modification_refused", n=mid, reason=decision.reason)
            self.record.state.pending_modification_id = None
        return self.record.answer()

    @decide_modification.validator
    def _validate_decide_modification(self, decision: ModificationDecision) -> None:
        require_actor(decision, "decide_modification", "operator")
        self.record.require_modification(decision.modification_id)
        require_reason(decision)

    async def _pending_phase(self) -> None:
        """Wait for a decision or a withdrawal; remind the service centre, then expire."""
        started = workflow.info().workflow_start_time
        remind_at = started + timedelta(days=self.record.input.reminder_after_days)
        expire_at = started + timedelta(days=self.record.input.expire_after_days)
        while self.record.pending:
            await self._flush()
            reminding = not self.reminder_sent and remind_at < expire_at
            deadline = remind_at if reminding else expire_at
            if not await self._wait_until(self._pending_news, deadline):
                continue
            if reminding:
                self._remind()
            elif not await self._expire() and workflow.patched(WAITING_IN_LINE):
                # Kept by the service: it waits in line on the offering's waitlist (`waitlisted`).
                # Its time runs again from now, for when it leaves the line undecided.
                expire_at = workflow.now() + timedelta(days=self.record.input.expire_after_days)

    async def _active_phase(self) -> None:
        """Live until a scheduled cancellation's day starts, billing on its days; continue-as-new
        after each monthly period and when suggested."""
        while self.record.live:
            await self._flush()
            if self.billing.card_updated or self.billing.returns_due or self.cards.refresh_due:
                await (self.cards.run() if self.cards.refresh_due else self.billing.run())
                continue
            if await self._continue_as_new_if_due():
                continue  # new work arrived while handlers finished
            self.timer_changed = False
            ends_at = self._ends_at()
            times = (ends_at, self.billing.deadline(), self.cards.deadline())
            deadline = min((t for t in times if t is not None), default=None)
            if deadline is None:
                await workflow.wait_condition(self._active_news)
            elif await self._wait_until(self._active_news, deadline):
                if ends_at is not None and workflow.now() >= ends_at:
                    await self._end()
                else:
                    await self.cards.run()
                    await self.billing.run()

    async def _finish_billing(self) -> None:
        """After the end: a PAD debit for the last days may still wait for its notice's date."""
        while self.record.status == "ended":
            charge_at = self.billing.next_charge_at()
            if charge_at is None:
                return
            if charge_at > workflow.now():
                await workflow.sleep(charge_at - workflow.now())
            await self.billing.run()
            await self._flush()

    def _ends_at(self) -> datetime | None:
        effective = self.record.state.cancellation_effective
        return start_of_day(effective) if effective is not None else None

    def _has_work(self) -> bool:
        return self.onboarding_due or self.outbox.has_mail

    def _pending_news(self) -> bool:
        return not self.record.pending or self._has_work()

    def _active_news(self) -> bool:
        changed = not self.record.live or self.timer_changed or self.billing.card_updated
        return changed or self.billing.returns_due or self.cards.refresh_due or self._has_work()

    async def _wait_until(self, news: Callable[[], bool], deadline: datetime) -> bool:
        """Wait for news or the deadline; True when the deadline came first."""
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            return True
        try:
            await workflow.wait_condition(news, timeout=remaining)
        except TimeoutError:  # asyncio.TimeoutError is TimeoutError since 3.11
            return True
        return False

    async def _approve(self, operator_id: str, request_key: str | None) -> None:
        """Approve in the service (capacity checked there); the rest follows in `run()`."""
        attempt = self.approval_attempts
        try:
            snapshot = await self.transitions.change(
                "approve", operator_id, n=attempt, request_key=request_key
            )
        finally:
            # A refused attempt (offering full) may have been recorded under its key: the next
            # approval uses a new one so the service does not answer it with the old refusal.
            self.approval_attempts = attempt + 1
        self.record.adopt(snapshot)
        self.onboarding_due = True

    async def _complete_approval(self) -> None:
        """Billing (the first charge), the contract, then the approval email attaching it.
        Billing is behind a patch: histories recorded before billing existed replay without it."""
        if workflow.patched("billing"):
            await self.billing.set_up()
            self.cards.watch(self.billing.method_info)
        contract = ContractInput(
            subscription_id=self.record.subscription_id, idempotency_key=key("contract")
        )
        await execute(SubscriptionActivities.generate_contract, contract)
        self.onboarding_due = False
        self.outbox.user("subscription_approved", attach_contract=True)

    def _remind(self) -> None:
        self.reminder_sent = True
        waiting = self.record.input.reminder_after_days
        self.outbox.centre("subscription_reminder", waiting_days=waiting)

    async def _expire(self) -> bool:
        """Expire the undecided request; False when it is still pending (the service kept it)."""
        async with self.lock:
            if not self.record.pending:
                return True  # decided while the timer fired
            if self.record.adopt(await self.transitions.system_change("expire")) == "expired":
                self.outbox.user("subscription_expired")
            return not self.record.pending

    async def _end(self) -> None:
        async with self.lock:
            effective = self.record.state.cancellation_effective
            if not self.record.live or effective is None:
                return  # withdrawn while the timer fired
            if workflow.now() < start_of_day(effective):
                return  # moved later while the timer fired
            if self.record.adopt(await self.transitions.system_change("end")) == "ended":
                await self.billing.close()
                self.outbox.user("subscription_ended", effective_date=effective)

    async def _flush(self) -> None:
        """Do the follow-ups the updates and timers queued, in order."""
        while self._has_work():
            if self.onboarding_due:
                await self._complete_approval()
            else:
                await self.outbox.send_next()

    async def _continue_as_new_if_due(self) -> bool:
        """Continue-as-new (state carried) after a monthly period or when suggested, if due."""
        suggested = workflow.info().is_continue_as_new_suggested()
        if not (self.billing.period_closed or suggested):
            return False
        await workflow.wait_condition(workflow.all_handlers_finished)
        busy = self.billing.card_updated or self.billing.returns_due or self.cards.refresh_due
        if busy or self._has_work() or not self.record.live:
            return True
        workflow.continue_as_new(self.record.next_run_input())
