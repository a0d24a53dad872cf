"""The card expiry reminder (docs/billing.md): thirty days before the subscription's card
expires, one email asking to update it (« Mettre à jour la carte de crédit »). A durable timer
of the workflow: its instant is one of the active phase's deadlines. A replaced card is another
card: the old one's reminder is dropped and the new one is watched.

Behind the patch `card-expiry-reminder`: histories recorded before it replay without reading
the card's expiry, so they never get the timer (TEMPORAL.md §11).
"""

import calendar
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.subscription.activity_options import execute, failure_type
    from workflows.subscription.billing_activities import BillingActivities
    from workflows.subscription.calendar import start_of_day
    from workflows.subscription.models import CardExpiry, PaymentMethodInfo, PaymentMethodRef
    from workflows.subscription.outbox import Outbox
    from workflows.subscription.record import Record

PATCH = "card-expiry-reminder"
REMIND_DAYS_BEFORE = 30


def last_day(exp_month: int, exp_year: int) -> date:
    """A card works through the last day of its expiry month."""
    return date(exp_year, exp_month, calendar.monthrange(exp_year, exp_month)[1])


def remind_at(expiry: CardExpiry) -> datetime:
    """Thirty days before the card stops working (midnight after its last day, Montréal)."""
    return start_of_day(expiry.last_day + timedelta(days=1)) - timedelta(days=REMIND_DAYS_BEFORE)


class CardWatch:
    """Watches the card that pays the subscription for its expiry."""

    def __init__(self, record: Record, outbox: Outbox) -> None:
        self._record = record
        self._outbox = outbox
        self.refresh_due = False  # the card was replaced: read it again

    def watch(self, info: PaymentMethodInfo | None) -> None:
        """At approval: set up the reminder of the subscription's method if it is a card."""
        method_id = self._record.state.billing.payment_method_id
        if info is not None and method_id is not None and workflow.patched(PATCH):
            self._adopt(method_id, info)

    def method_updated(self) -> None:
        """The user replaced the card: the reminder follows the new one."""
        if self._record.state.billing.payment_method_id and workflow.patched(PATCH):
            self.refresh_due = True

    def deadline(self) -> datetime | None:
        """When the reminder is due, while the subscription runs and it is not sent."""
        expiry = self._record.state.billing.card_expiry
        if expiry is None or expiry.reminded or not self._record.live:
            return None
        return remind_at(expiry)

    async def run(self) -> None:
        """Read a replaced card; send the reminder when its time has come."""
        if self.refresh_due:
            self.refresh_due = False
            await self._refresh()
        expiry = self._record.state.billing.card_expiry
        due = self.deadline()
        if expiry is None or due is None or due > workflow.now():
            return
        expiry.reminded = True
        self._outbox.user(
            "card_expiring",
            n=expiry.card_key,
            card_last4=expiry.last4,
            card_last_day=expiry.last_day,
        )

    def _adopt(self, method_id: str, info: PaymentMethodInfo) -> None:
        b = self._record.state.billing
        if info.kind != "card" or info.exp_month is None or info.exp_year is None:
            b.card_expiry = None
            return
        found = CardExpiry(
            payment_method_id=method_id,
            last4=info.last4,
            last_day=last_day(info.exp_month, info.exp_year),
        )
        if b.card_expiry is not None and b.card_expiry.card_key == found.card_key:
            found.reminded = b.card_expiry.reminded  # the same card: once is enough
        b.card_expiry = found

    async def _refresh(self) -> None:
        b = self._record.state.billing
        if b.account_id is None or b.payment_method_id is None:
            return
        ref = PaymentMethodRef(account_id=b.account_id, payment_method_id=b.payment_method_id)
        try:
            info = await execute(BillingActivities.payment_method, ref)
        except ActivityError as error:  # removed: nothing left to remind about
            workflow.logger.warning("payment method unknown: %s", failure_type(error))
            b.card_expiry = None
            return
        self._adopt(b.payment_method_id, info)
