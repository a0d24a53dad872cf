"""The subscription lifecycle (`subscription-<id>`): request, decision, active life, end.

Rules chosen here:
- Updates change state and answer at once; their follow-ups (emails, the contract) go through an
  outbox that `run()` drains, so an operator's or user's request never waits on SMTP.
- Offering full: an approval the service refuses with `offering_full` fails the `decide` update
  with that type and the request stays pending (reminder and expiry keep running); the operator
  sees "offering full" and may approve later, when a space frees up, or refuse with that reason.
- Dates people pick are days in America/Montreal; a cancellation takes effect at midnight
  (Montréal) at the start of its effective day, computed by the service (notice clause).
- Billing (docs/billing.md, `BillingLoop`): the first period at approval, then each period on
  its 1st; the active phase waits for whichever comes first, the cancellation or billing, and
  continues-as-new after each monthly period.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.subscription import steps
    from workflows.subscription.billing_loop import BillingLoop
    from workflows.subscription.calendar import local_today, start_of_day
    from workflows.subscription.models import (
        DECIDE,
        DECIDE_MODIFICATION,
        PAYMENT_METHOD_UPDATED,
        REQUEST_MODIFICATION,
        SCHEDULE_CANCELLATION,
        STATUS_QUERY,
        WITHDRAW,
        WITHDRAW_CANCELLATION,
        CancellationRequest,
        CancellationWithdrawal,
        ContractInput,
        Decision,
        LifecycleState,
        ModificationDecision,
        ModificationRequest,
        PaymentMethodUpdated,
        SubscriptionInput,
        UserEmailInput,
        Withdrawal,
    )
    from workflows.subscription.record import LIVE, rejected, require_reason


@workflow.defn
class SubscriptionWorkflow(BillingLoop):
    """Id `subscription-<id>`: the request until decided, then the subscription until it ends."""

    @workflow.init
    def __init__(self, input: SubscriptionInput) -> None:
        super().__init__(input)

    @workflow.run
    async def run(self, input: SubscriptionInput) -> LifecycleState:
        self._publish()
        if input.carried_state is None:
            self._queue_user("subscription_received")
        await self._pending_phase()
        await self._release_unused_payment_method()
        await self._active_phase()
        await self._finish_billing()
        await self._flush()
        # An update that arrived as the subscription ended still gets its answer.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    # --- Queries and updates -------------------------------------------------------------

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> LifecycleState:
        """Where the subscription stands, with the code of the last update the service refused."""
        return self._state().model_copy(update={"error": self._error})

    def _state(self) -> LifecycleState:
        """What every update answers: a refused update fails instead, so `error` stays empty."""
        return LifecycleState(
            subscription_id=self._input.subscription_id,
            status=self._status,
            start_date=self._start_date,
            cancellation_effective=self._cancellation_effective,
            pending_modification_id=self._pending_modification_id,
        )

    @workflow.update(name=DECIDE)
    async def decide(self, decision: Decision) -> LifecycleState:
        """The operator approves or refuses the pending request."""
        async with self._lock:
            self._require("pending_approval", "not_pending")
            if decision.decision == "approve":
                await self._approve(decision.operator_id, decision.request_key)
            else:
                snapshot = await self._change(
                    "refuse",
                    decision.operator_id,
                    reason=decision.reason,
                    request_key=decision.request_key,
                )
                self._apply(snapshot)
                self._queue_user("subscription_refused", reason=decision.reason)
        return self._state()

    @decide.validator
    def _validate_decide(self, decision: Decision) -> None:
        self._require("pending_approval", "not_pending")
        require_reason(decision)

    @workflow.update(name=WITHDRAW)
    async def withdraw(self, withdrawal: Withdrawal) -> LifecycleState:
        """The user withdraws the pending request ("Annuler cette demande de service")."""
        async with self._lock:
            self._require("pending_approval", "not_pending")
            self._apply(await self._change("withdraw", withdrawal.account_id))
            self._queue_user("subscription_withdrawn")
        return self._state()

    @withdraw.validator
    def _validate_withdraw(self, withdrawal: Withdrawal) -> None:
        self._require("pending_approval", "not_pending")

    @workflow.update(name=SCHEDULE_CANCELLATION)
    async def schedule_cancellation(self, request: CancellationRequest) -> LifecycleState:
        """The user cancels at a date; the service applies the notice clause (or moves it)."""
        async with self._lock:
            self._require_live()
            n = self._cancellations
            snapshot = await self._change(
                "schedule_cancellation", request.account_id, n=n, date=request.requested_date
            )
            self._apply(snapshot)
            self._cancellations = n + 1
            self._cancellation_effective = snapshot.cancellation_effective or request.requested_date
            self._timer_changed = True
            self._queue_user(
                "subscription_cancellation_scheduled",
                n=n,
                effective_date=self._cancellation_effective,
            )
        return self._state()

    @schedule_cancellation.validator
    def _validate_schedule_cancellation(self, request: CancellationRequest) -> None:
        self._require_live()
        if request.requested_date < local_today(workflow.now()):
            raise rejected("date_in_past", "the cancellation date is in the past")

    @workflow.update(name=WITHDRAW_CANCELLATION)
    async def withdraw_cancellation(self, request: CancellationWithdrawal) -> LifecycleState:
        """The user withdraws the scheduled cancellation before its date."""
        async with self._lock:
            self._require_cancellation()
            n = self._cancellations - 1  # the cancellation being withdrawn
            self._apply(await self._change("withdraw_cancellation", request.account_id, n=n))
            self._cancellation_effective = None
            self._timer_changed = True
            self._queue_user("subscription_cancellation_withdrawn", n=n)
        return self._state()

    @withdraw_cancellation.validator
    def _validate_withdraw_cancellation(self, request: CancellationWithdrawal) -> None:
        self._require_cancellation()

    @workflow.signal(name=PAYMENT_METHOD_UPDATED)
    def payment_method_updated(self, update: PaymentMethodUpdated) -> None:
        """The user replaced the card: what is owed is tried again at once."""
        if self._billing.outstanding:
            self._card_updated = True

    @workflow.update(name=REQUEST_MODIFICATION)
    def request_modification(self, request: ModificationRequest) -> LifecycleState:
        """The service recorded a modification request: remember it, tell the service centre.

        The same request told again (the outbox relay after a crash) changes nothing.
        """
        if self._pending_modification_id == request.modification_id:
            return self._state()
        self._pending_modification_id = request.modification_id
        self._queue_centre(
            "subscription_modification_requested",
            n=request.modification_id,
            modification_id=request.modification_id,
        )
        return self._state()

    @request_modification.validator
    def _validate_request_modification(self, request: ModificationRequest) -> None:
        self._require("active", "not_active")
        pending = self._pending_modification_id
        if pending is not None and pending != request.modification_id:
            raise rejected("modification_pending", "a modification request is already pending")

    @workflow.update(name=DECIDE_MODIFICATION)
    async def decide_modification(self, decision: ModificationDecision) -> LifecycleState:
        """The operator applies or refuses the pending modification."""
        async with self._lock:
            self._require_modification(decision.modification_id)
            mid = decision.modification_id
            if decision.decision == "approve":
                snapshot = await self._change(
                    "apply_modification", decision.operator_id, n=mid, modification_id=mid
                )
                self._apply(snapshot)
                self._queue_user("subscription_modification_applied", n=mid)
            else:
                await self._change(
                    "refuse_modification",
                    decision.operator_id,
                    n=mid,
                    reason=decision.reason,
                    modification_id=mid,
                )
                self._queue_user("subscription_modification_refused", n=mid, reason=decision.reason)
            self._pending_modification_id = None
        return self._state()

    @decide_modification.validator
    def _validate_decide_modification(self, decision: ModificationDecision) -> None:
        self._require_modification(decision.modification_id)
        require_reason(decision)

    # --- Phases --------------------------------------------------------------------------

    async def _pending_phase(self) -> None:
        """Wait for a decision or a withdrawal; remind the service centre, then expire."""
        started = workflow.info().workflow_start_time
        remind_at = started + timedelta(days=self._input.reminder_after_days)
        expire_at = started + timedelta(days=self._input.expire_after_days)
        while self._status == "pending_approval":
            await self._flush()
            reminding = not self._reminder_sent and remind_at < expire_at
            deadline = remind_at if reminding else expire_at
            if not await self._wait_until(self._pending_news, deadline):
                continue
            if reminding:
                self._remind()
            else:
                await self._expire()

    async def _active_phase(self) -> None:
        """Live until a scheduled cancellation's day starts, billing on its days; continue-as-new
        after each monthly period and when suggested."""
        while self._status in LIVE:
            await self._flush()
            if self._card_updated:
                await self._run_billing()
                continue
            if await self._continue_as_new_if_due():
                continue  # new work arrived while handlers finished
            self._timer_changed = False
            ends_at = self._ends_at()
            deadline = min(
                (t for t in (ends_at, self._billing_deadline()) if t is not None), default=None
            )
            if deadline is None:
                await workflow.wait_condition(self._active_news)
            elif await self._wait_until(self._active_news, deadline):
                if ends_at is not None and workflow.now() >= ends_at:
                    await self._end()
                else:
                    await self._run_billing()

    async def _finish_billing(self) -> None:
        """After the end: a PAD debit for the last days may still wait for its notice's date."""
        while self._status == "ended":
            charge_at = self._next_charge_at()
            if charge_at is None:
                return
            if charge_at > workflow.now():
                await workflow.sleep(charge_at - workflow.now())
            await self._run_billing()
            await self._flush()

    def _ends_at(self) -> datetime | None:
        effective = self._cancellation_effective
        return start_of_day(effective) if effective is not None else None

    def _pending_news(self) -> bool:
        return self._status != "pending_approval" or self._has_work()

    def _active_news(self) -> bool:
        changed = self._status not in LIVE or self._timer_changed or self._card_updated
        return changed or self._has_work()

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

    # --- Steps ---------------------------------------------------------------------------

    async def _approve(self, operator_id: str, request_key: str | None) -> None:
        """Approve in the service (capacity checked there); the rest follows in `run()`."""
        attempt = self._approval_attempts
        try:
            snapshot = await self._change(
                "approve", operator_id, n=attempt, request_key=request_key
            )
        finally:
            # A refused attempt (offering full) may have been recorded under its key: the next
            # approval uses a new one so the service does not answer it with the old refusal.
            self._approval_attempts = attempt + 1
        self._apply(snapshot)
        self._onboarding_due = True

    async def _complete_approval(self) -> None:
        """Billing, the contract, then the approval email with the contract attached."""
        await self._set_up_billing()
        await steps.generate_contract(
            ContractInput(
                subscription_id=self._input.subscription_id, idempotency_key=self._key("contract")
            )
        )
        self._onboarding_due = False
        self._queue_user("subscription_approved", attach_contract=True)

    async def _set_up_billing(self) -> None:
        """Read the billing terms and take the first (prorated) charge (docs/billing.md).

        Behind a patch: histories recorded before billing existed replay without it.
        """
        if workflow.patched("billing"):
            await self._set_up_billing_terms()

    async def _release_unused_payment_method(self) -> None:
        """A request refused, withdrawn or expired loses its payment method and cheque specimen
        (RULES.md). Behind a patch: older histories replay without it."""
        if self._status in LIVE or not workflow.patched("release-payment-method"):
            return
        try:
            await steps.release_payment_method(self._input.subscription_id)
        except ActivityError as error:  # e.g. still paying something: keep it, say so
            workflow.logger.warning("payment method kept: %s", steps.failure_type(error))

    def _remind(self) -> None:
        self._reminder_sent = True
        self._queue_centre("subscription_reminder", waiting_days=self._input.reminder_after_days)

    async def _expire(self) -> None:
        async with self._lock:
            if self._status != "pending_approval":
                return  # decided while the timer fired
            if self._apply(await self._system_change("expire")) == "expired":
                self._queue_user("subscription_expired")

    async def _end(self) -> None:
        async with self._lock:
            effective = self._cancellation_effective
            if self._status not in LIVE or effective is None:
                return  # withdrawn while the timer fired
            if workflow.now() < start_of_day(effective):
                return  # moved later while the timer fired
            if self._apply(await self._system_change("end")) == "ended":
                await self._close_billing()
                self._queue_user("subscription_ended", effective_date=effective)

    async def _flush(self) -> None:
        """Do the follow-ups the updates and timers queued, in order."""
        while self._has_work():
            if self._onboarding_due:
                await self._complete_approval()
                continue
            email = self._outbox.pop(0)
            try:
                if isinstance(email, UserEmailInput):
                    await steps.email_user(email)
                else:
                    await steps.email_service_centre(email)
            except ActivityError as error:  # only what no retry fixes gets here
                workflow.logger.warning("%s not sent: %s", email.kind, steps.failure_type(error))

    async def _continue_as_new_if_due(self) -> bool:
        """Continue-as-new after a monthly period or when suggested, with the state carried
        over; False when it is not due."""
        suggested = workflow.info().is_continue_as_new_suggested()
        if not (self._period_closed or suggested):
            return False
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._has_work() or self._card_updated or self._status not in LIVE:
            return True
        workflow.continue_as_new(
            self._input.model_copy(
                update={"offering_id": self._offering_id, "carried_state": self._carried()}
            )
        )
