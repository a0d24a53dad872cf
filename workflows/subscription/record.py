"""What `SubscriptionWorkflow` knows and how it records it: state, search attributes, the email
outbox, idempotency keys, and the checks its update validators share.

Workflow code (it runs inside the workflow's sandbox): only the standard library and temporalio
at top level, the rest passed through.
"""

import asyncio
from datetime import date

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from servicekit.temporal import (
        CONTRACT_NUMBER,
        OFFERING_ID,
        SITE_ID,
        SUBSCRIPTION_ID,
        SUBSCRIPTION_STATUS,
    )
    from workflows.subscription.calendar import start_of_day
    from workflows.subscription.models import (
        BillingMode,
        BillingState,
        CarriedState,
        Decision,
        LifecycleState,
        ServiceCentreEmailInput,
        ServiceCentreEmailKind,
        SubscriptionInput,
        SubscriptionSnapshot,
        SubscriptionState,
        UserEmailInput,
        UserEmailKind,
    )

Email = UserEmailInput | ServiceCentreEmailInput
LIVE: tuple[SubscriptionState, ...] = ("active", "in_arrears")  # a running subscription


def rejected(code: str, message: str) -> ApplicationError:
    """An update refusal the caller reads by its `type` (a stable code)."""
    return ApplicationError(message, type=code, non_retryable=True)


def require_reason(decision: Decision) -> None:
    """A refusal (of a request or a modification) must say why."""
    if decision.decision == "refuse" and not (decision.reason or "").strip():
        raise rejected("reason_required", "a refusal needs a reason")


class SubscriptionRecord:
    """The lifecycle's state; continue-as-new carries the durable part (`CarriedState`)."""

    def __init__(self, input: SubscriptionInput) -> None:
        carried = input.carried_state or CarriedState(status="pending_approval")
        self._input = input
        self._offering_id = input.offering_id
        self._status: SubscriptionState = carried.status
        self._start_date = carried.start_date
        self._billing_mode: BillingMode | None = carried.billing_mode
        self._cancellation_effective = carried.cancellation_effective
        self._cancellations = carried.cancellations
        self._pending_modification_id = carried.pending_modification_id
        # A copy: continue-as-new hands the next run this run's input object.
        self._billing = (carried.billing or BillingState()).model_copy(deep=True)
        self._error: str | None = None  # the code of the last update the service refused
        self._approval_attempts = 0
        self._reminder_sent = False
        self._onboarding_due = False  # billing, contract and approval email after an approval
        self._timer_changed = False
        self._outbox: list[Email] = []
        self._lock = asyncio.Lock()  # one state change at a time (updates and timers)

    def _state(self) -> LifecycleState:
        """What every update answers: a refused update fails instead, so `error` stays empty."""
        return LifecycleState(
            subscription_id=self._input.subscription_id,
            status=self._status,
            start_date=self._start_date,
            cancellation_effective=self._cancellation_effective,
            pending_modification_id=self._pending_modification_id,
        )

    def _carried(self) -> CarriedState:
        return CarriedState(
            status=self._status,
            start_date=self._start_date,
            billing_mode=self._billing_mode,
            cancellation_effective=self._cancellation_effective,
            cancellations=self._cancellations,
            pending_modification_id=self._pending_modification_id,
            billing=self._billing,
        )

    def _has_work(self) -> bool:
        return self._onboarding_due or bool(self._outbox)

    def _apply(self, snapshot: SubscriptionSnapshot) -> SubscriptionState:
        """Adopt the service's answer (the source of truth), republish on a change."""
        changed = (snapshot.status, snapshot.offering_id) != (self._status, self._offering_id)
        self._status = snapshot.status
        self._start_date = snapshot.start_date or self._start_date
        self._billing_mode = snapshot.billing_mode or self._billing_mode
        if snapshot.offering_id is not None:
            self._offering_id = snapshot.offering_id
        if snapshot.monthly_price_cents is not None and self._billing.monthly_cents is not None:
            self._billing.monthly_cents = snapshot.monthly_price_cents  # a modification's price
        if changed:
            self._publish()
        return self._status

    def _publish(self) -> None:
        """The operators' search attributes (ids and status only, never personal data)."""
        workflow.upsert_search_attributes(
            [
                SUBSCRIPTION_ID.value_set(self._input.subscription_id),
                CONTRACT_NUMBER.value_set(self._input.contract_number),
                SUBSCRIPTION_STATUS.value_set(self._status),
                SITE_ID.value_set(str(self._input.site_id)),
                OFFERING_ID.value_set(str(self._offering_id)),
            ]
        )

    def _queue_user(
        self,
        kind: UserEmailKind,
        *,
        n: int | str | None = None,
        reason: str | None = None,
        effective_date: date | None = None,
        attach_contract: bool = False,
        amount_cents: int | None = None,
        debit_date: date | None = None,
        monthly_cents: int | None = None,
        next_attempt: date | None = None,
    ) -> None:
        self._outbox.append(
            UserEmailInput(
                subscription_id=self._input.subscription_id,
                kind=kind,
                key=self._key(f"email:{kind}", n),
                reason=reason,
                effective_date=effective_date,
                attach_contract=attach_contract,
                amount_cents=amount_cents,
                debit_date=debit_date,
                monthly_cents=monthly_cents,
                next_attempt=next_attempt,
            )
        )

    def _queue_centre(
        self,
        kind: ServiceCentreEmailKind,
        *,
        n: str | None = None,
        waiting_days: int | None = None,
        modification_id: str | None = None,
    ) -> None:
        self._outbox.append(
            ServiceCentreEmailInput(
                subscription_id=self._input.subscription_id,
                contract_number=self._input.contract_number,
                kind=kind,
                key=self._key(f"email:{kind}", n),
                waiting_days=waiting_days,
                modification_id=modification_id,
            )
        )

    def _key(self, action: str, n: int | str | None = None) -> str:
        """A business idempotency key: the same across retries, replays and continue-as-new."""
        base = f"{workflow.info().workflow_id}:{action}"
        return base if n is None else f"{base}:{n}"

    def _require(self, status: SubscriptionState, code: str) -> None:
        if self._status != status:
            raise rejected(code, f"the subscription is {self._status}, not {status}")

    def _require_live(self) -> None:
        """Active or in arrears: the subscription runs (and can be cancelled)."""
        if self._status not in LIVE:
            raise rejected("not_active", f"the subscription is {self._status}, not active")

    def _require_cancellation(self) -> None:
        self._require_live()
        effective = self._cancellation_effective
        if effective is None:
            raise rejected("no_cancellation", "no cancellation is scheduled")
        if workflow.now() >= start_of_day(effective):
            raise rejected("cancellation_passed", "the cancellation already took effect")

    def _require_modification(self, modification_id: str) -> None:
        self._require("active", "not_active")
        if self._pending_modification_id != modification_id:
            raise rejected("modification_not_pending", "no such modification request is pending")
