"""The billing calendar of `SubscriptionWorkflow` (docs/billing.md), as workflow code.

At approval the first (prorated) period is charged; then each period is charged on its billing
day (the 1st, 00:00 in Montréal). A declined invoice is retried on its schedule with an email
each time, then the subscription falls into arrears until everything owed is paid. PAD debits
wait for their pre-notification (at least 10 days). At the end the unused days of a period
already charged are credited to the balance.

Every charge carries a key built from the workflow id and the period, so retries, replays,
continue-as-new and a worker that dies mid-charge never charge twice.
"""

import asyncio
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.subscription import billing
    from workflows.subscription.activity_options import execute, failure_type
    from workflows.subscription.billing_activities import BillingActivities
    from workflows.subscription.calendar import local_today, start_of_day
    from workflows.subscription.models import (
        BillingState,
        ChargedPeriod,
        ChargeInput,
        ChargeResult,
        CreditInput,
        Outstanding,
        PadDebitReturned,
        PadNotice,
        PaymentMethodInfo,
        PaymentMethodRef,
        SubscriptionRef,
    )
    from workflows.subscription.outbox import Outbox
    from workflows.subscription.record import Record, key
    from workflows.subscription.transitions import Transitions


# Payments' decline code for a bank account a returned debit showed unusable (closed...).
BANK_DETAILS_REFUSED = "bank_details_refused"
# Payments' decline code for a card the processor called unusable (stolen, lost, expired...).
CARD_UNUSABLE = "card_unusable"


class BillingStuck(RuntimeError):
    """The payments service refused a charge or credit in a way no retry fixes: a defect.

    Not a Temporal failure on purpose: it fails the workflow task, not the workflow, so the
    subscription waits (visible in the Web UI) until a fix is deployed, then goes on from
    where it stopped; money is never skipped or charged twice."""

    def __init__(self, what: str, key: str, code: str) -> None:
        super().__init__(f"{what} {key} refused by payments: {code}")


class Billing:
    """What the workflow does with money; the workflow decides when (see `deadline`)."""

    def __init__(
        self, record: Record, transitions: Transitions, outbox: Outbox, lock: asyncio.Lock
    ) -> None:
        self._record = record
        self._transitions = transitions
        self._outbox = outbox
        self._lock = lock  # the workflow's: one state change at a time
        self.card_updated = False  # the user replaced the card: retry what is owed at once
        self.period_closed = False  # a monthly period was charged in this run: continue-as-new
        self.method_info: PaymentMethodInfo | None = None  # read at set-up (card expiry)

    async def release_unused_method(self) -> None:
        """A request refused, withdrawn or expired loses its payment method and cheque specimen
        (RULES.md). Behind a patch: older histories replay without it."""
        if self._record.live or not workflow.patched("release-payment-method"):
            return
        ref = SubscriptionRef(subscription_id=self._record.subscription_id)
        try:
            await execute(BillingActivities.release_payment_method, ref)
        except ActivityError as error:  # e.g. still paying something: keep it, say so
            workflow.logger.warning("payment method kept: %s", failure_type(error))

    @property
    def _calendar(self) -> BillingState:
        return self._record.state.billing

    @property
    def returns_due(self) -> bool:
        """Returned PAD debits were signalled and wait for the loop."""
        return bool(self._calendar.returns_due)

    def debit_returned(self, returned: PadDebitReturned) -> None:
        """The bank sent a debit back: queue it for the loop, once per return."""
        b = self._calendar
        if returned.return_id not in b.returns_seen:
            b.returns_seen.append(returned.return_id)
            b.returns_due.append(returned)

    # --- When ----------------------------------------------------------------------------

    def deadline(self) -> datetime | None:
        """The next instant billing has something to do, or None."""
        times = [owed.next_attempt_at for owed in self._calendar.outstanding]
        charge_at = self.next_charge_at()
        if charge_at is not None:
            times.append(charge_at)
        return min(times, default=None) if self._record.live else charge_at

    def _last_day(self) -> date | None:
        effective = self._record.state.cancellation_effective
        return effective - timedelta(days=1) if effective is not None else None

    def _next_period_start(self) -> date | None:
        """The first day not charged yet, or None when billing is not set up or is complete."""
        b, start_date = self._calendar, self._record.state.start_date
        if b.monthly_cents is None or b.account_id is None or start_date is None:
            return None
        start = b.billed_through + timedelta(days=1) if b.billed_through else start_date
        last = self._last_day()
        return None if last is not None and start > last else start

    def next_charge_at(self) -> datetime | None:
        """The first period is charged at approval, the others on their 1st; a PAD debit also
        waits for its pre-notification's date."""
        start = self._next_period_start()
        if start is None:
            return None
        due = workflow.now() if self._calendar.billed_through is None else start_of_day(start)
        if self._noticed(start):
            assert self._calendar.pad_notice is not None
            due = max(due, start_of_day(self._calendar.pad_notice.debit_on))
        return due

    def _noticed(self, start: date) -> bool:
        """Whether the PAD notice sent covers the period starting `start`."""
        notice = self._calendar.pad_notice
        return notice is not None and notice.first_start <= start <= notice.last_start

    # --- Doing ---------------------------------------------------------------------------

    async def set_up(self) -> None:
        """The terms the service holds (account, method, price), then the first charge."""
        terms = await self._transitions.load()
        b, state = self._calendar, self._record.state
        b.account_id, b.payment_method_id = terms.account_id, terms.payment_method_id
        b.monthly_cents = terms.monthly_price_cents
        state.billing_mode = terms.billing_mode or state.billing_mode
        if state.billing_mode == "pad" and b.account_id and b.payment_method_id:
            ref = PaymentMethodRef(account_id=b.account_id, payment_method_id=b.payment_method_id)
            try:
                self.method_info = await execute(BillingActivities.payment_method, ref)
                b.method_kind = self.method_info.kind
            except ActivityError as error:  # removed since the request: its charges decline
                workflow.logger.warning("payment method unknown: %s", failure_type(error))
        await self.run()

    async def run(self) -> None:
        """Retry what is due (everything after a card update), then charge the due periods."""
        async with self._lock:
            now = workflow.now()
            retry_all, self.card_updated = self.card_updated, False
            self._apply_returns(now)
            if self._record.live:
                for owed in list(self._calendar.outstanding):
                    if retry_all or owed.next_attempt_at <= now:
                        await self._retry(owed, now, retry_all)
            while self._period_due(now) and await self._charge_next_period():
                pass
            await self._update_arrears()

    def _period_due(self, now: datetime) -> bool:
        charge_at = self.next_charge_at()
        return charge_at is not None and charge_at <= now

    async def _charge_next_period(self) -> bool:
        """Charge the next period; False when a PAD debit must first be pre-notified."""
        b = self._calendar
        start = self._next_period_start()
        assert start is not None and b.monthly_cents is not None and b.account_id is not None
        end = billing.period_end(start, self._last_day())
        amount = billing.period_amount(b.monthly_cents, start, end)
        if b.method_kind == "pad" and not self._pad_notified(start, amount):
            self._send_pad_notice(start)
            return False
        first = b.billed_through is None
        result = await self._charge(start, end, amount, f"{start.isoformat()}")
        b.billed_through = end
        b.last_period = ChargedPeriod(start=start, end=end, amount_cents=amount)
        if b.pad_notice is not None and b.pad_notice.last_start == start:
            b.pad_notice = None
        if result.status == "declined":
            self._first_decline(start, end, result)
        self.period_closed = self.period_closed or not first
        return True

    async def _charge(
        self, start: date, end: date, amount: int, period_key: str, invoice_id: str | None = None
    ) -> ChargeResult:
        b, record = self._calendar, self._record
        assert b.account_id is not None
        pad = record.state.billing_mode == "pad"
        charge = ChargeInput(
            subscription_id=record.subscription_id,
            account_id=b.account_id,
            payment_method_id=b.payment_method_id if pad else None,
            idempotency_key=key("charge", period_key),
            period_start=start,
            period_end=end,
            amount_cents=amount,
            description=f"Abonnement / Subscription {record.input.contract_number}",
            invoice_id=invoice_id,
        )
        try:
            return await execute(BillingActivities.charge, charge)
        except ActivityError as error:
            raise BillingStuck("charge", period_key, failure_type(error)) from None

    def _first_decline(self, start: date, end: date, result: ChargeResult) -> None:
        now = workflow.now()
        retry_at = billing.next_attempt(now, 1)
        assert retry_at is not None
        owed = Outstanding(
            period_start=start,
            period_end=end,
            invoice_id=result.invoice_id,
            amount_cents=result.amount_cents,
            first_declined_at=now,
            next_attempt_at=retry_at,
            card_unusable=result.decline_code == CARD_UNUSABLE,
        )
        self._calendar.outstanding.append(owed)
        if result.decline_code == BANK_DETAILS_REFUSED:
            owed.awaiting_new_details = True  # the user was told when the debit came back
            return
        self._email_decline(owed)

    async def _retry(self, owed: Outstanding, now: datetime, method_updated: bool) -> None:
        """Charge an unpaid invoice again (its own key per attempt); an account the bank
        refused is not debited again before the method is updated: the attempt counts as
        declined, so the calendar and the arrears stay those of a declined card."""
        if owed.awaiting_new_details and not method_updated:
            self._count_decline(owed, now, email=False)
            return
        owed.awaiting_new_details = False
        period_key = f"{owed.period_start.isoformat()}:retry:{owed.declines}"
        result = await self._charge(
            owed.period_start, owed.period_end, owed.amount_cents, period_key, owed.invoice_id
        )
        if result.status != "declined":
            self._calendar.outstanding.remove(owed)
            return
        owed.awaiting_new_details = result.decline_code == BANK_DETAILS_REFUSED
        owed.card_unusable = result.decline_code == CARD_UNUSABLE
        self._count_decline(owed, now, email=not owed.awaiting_new_details)

    def _count_decline(self, owed: Outstanding, now: datetime, *, email: bool) -> None:
        owed.declines += 1
        scheduled = billing.next_attempt(owed.first_declined_at, owed.declines)
        if scheduled is None:  # the schedule is over: arrears, retried weekly
            owed.next_attempt_at = billing.arrears_retry(now)
            return
        owed.next_attempt_at = max(scheduled, now + timedelta(days=1))
        if email:
            self._email_decline(owed)

    def _apply_returns(self, now: datetime) -> None:
        """Each returned debit's invoice is owed again, on a declined card's calendar."""
        b = self._calendar
        for returned in b.returns_due:
            owed = next((o for o in b.outstanding if o.invoice_id == returned.invoice_id), None)
            if owed is None:
                retry_at = billing.next_attempt(now, 1)
                assert retry_at is not None
                owed = Outstanding(
                    period_start=returned.period_start,
                    period_end=returned.period_end,
                    invoice_id=returned.invoice_id,
                    amount_cents=returned.amount_cents,
                    first_declined_at=now,
                    next_attempt_at=retry_at,
                )
                b.outstanding.append(owed)
            owed.awaiting_new_details = returned.new_details_needed
            retry_on = None if owed.awaiting_new_details else local_today(owed.next_attempt_at)
            self._outbox.user(
                "pad_debit_returned",
                n=returned.return_id,
                amount_cents=returned.amount_cents,
                next_attempt=retry_on,
                return_reason=returned.reason_code,
                new_details_needed=returned.new_details_needed,
            )
        b.returns_due.clear()

    def _email_decline(self, owed: Outstanding) -> None:
        """A soft decline tells the next attempt's date; an unusable card asks for another."""
        self._outbox.user(
            "payment_declined",
            n=f"{owed.period_start.isoformat()}:{owed.declines}",
            amount_cents=owed.amount_cents,
            next_attempt=None if owed.card_unusable else local_today(owed.next_attempt_at),
            card_unusable=owed.card_unusable,
        )

    async def _update_arrears(self) -> None:
        """Into arrears after the last scheduled attempt; out of them once nothing is owed."""
        b, record = self._calendar, self._record
        last_attempt = len(billing.RETRY_AFTER_DAYS) + 1
        if record.status == "active" and any(o.declines >= last_attempt for o in b.outstanding):
            n = b.arrears_count
            snapshot = await self._transitions.system_change("fall_into_arrears", n)
            if record.adopt(snapshot) == "in_arrears":
                b.arrears_count = n + 1
                owed = sum(o.amount_cents for o in b.outstanding)
                self._outbox.user("subscription_in_arrears", n=n, amount_cents=owed)
        elif record.status == "in_arrears" and not b.outstanding:
            n = b.arrears_count - 1
            if record.adopt(await self._transitions.system_change("recover", n)) == "active":
                self._outbox.user("subscription_recovered", n=n)

    # --- PAD pre-notification ------------------------------------------------------------

    def _pad_notified(self, start: date, amount: int) -> bool:
        """A debit needs a notice naming it, unless it is the monthly amount already notified."""
        if self._noticed(start):
            return True
        b = self._calendar
        return b.billed_through is not None and b.notified_monthly_cents == amount

    def _send_pad_notice(self, start: date) -> None:
        """Notify one debit, at least 10 days ahead, of every period due by then."""
        b, last_day = self._calendar, self._last_day()
        assert b.monthly_cents is not None
        debit_on = billing.pad_debit_day(start, local_today(workflow.now()))
        total, period_start, last_start, final = 0, start, start, False
        while period_start <= debit_on and not final:
            end = billing.period_end(period_start, last_day)
            total += billing.period_amount(b.monthly_cents, period_start, end)
            last_start, final = period_start, end == last_day
            period_start = end + timedelta(days=1)
        b.pad_notice = PadNotice(
            first_start=start, last_start=last_start, amount_cents=total, debit_on=debit_on
        )
        if not final:
            b.notified_monthly_cents = b.monthly_cents
        self._outbox.user(
            "pad_prenotification",
            n=f"{start.isoformat()}:{total}",
            amount_cents=total,
            debit_date=debit_on,
            monthly_cents=None if final else b.monthly_cents,
        )

    # --- End -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Credit the unused days of a period charged beyond the last day (docs/billing.md)."""
        b, last_day = self._calendar, self._last_day()
        period = b.last_period
        if period is None or last_day is None or b.account_id is None:
            return
        credit = billing.unused_credit(period.amount_cents, period.start, period.end, last_day)
        if credit <= 0:
            return
        credit_input = CreditInput(
            subscription_id=self._record.subscription_id,
            account_id=b.account_id,
            idempotency_key=key("credit", "final"),
            amount_cents=credit,
            reason=f"Jours non utilisés / Unused days {last_day + timedelta(days=1)}",
        )
        try:
            await execute(BillingActivities.credit, credit_input)
        except ActivityError as error:
            raise BillingStuck("credit", "final", failure_type(error)) from None
        b.last_period = period.model_copy(update={"end": last_day})
