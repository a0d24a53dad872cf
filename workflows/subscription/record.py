"""What `SubscriptionWorkflow` knows of its subscription: the carried state, the operators'
search attributes, idempotency keys, and the checks the update validators share.

The state is one model, `CarriedState`, that continue-as-new hands to the next run as it is;
`Record` wraps it with the ids of the input. Workflow code (it runs inside the sandbox): only the
standard library and temporalio at top level, the rest passed through.
"""

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
        CarriedState,
        Decision,
        LifecycleState,
        SubscriptionInput,
        SubscriptionSnapshot,
        SubscriptionState,
    )

LIVE: tuple[SubscriptionState, ...] = ("active", "in_arrears")  # a running subscription


def rejected(code: str, message: str, *details: str) -> ApplicationError:
    """An update refusal the caller reads by its `type` (a stable code), `details` saying more."""
    return ApplicationError(message, *details, type=code, non_retryable=True)


def require_reason(decision: Decision) -> None:
    """A refusal (of a request or a modification) must say why."""
    if decision.decision == "refuse" and not (decision.reason or "").strip():
        raise rejected("reason_required", "a refusal needs a reason")


def key(action: str, n: int | str | None = None) -> str:
    """A business idempotency key: the same across retries, replays and continue-as-new."""
    base = f"{workflow.info().workflow_id}:{action}"
    return base if n is None else f"{base}:{n}"


class Record:
    """The subscription's ids (from the input) and its state (carried across runs)."""

    def __init__(self, input: SubscriptionInput) -> None:
        self.input = input
        carried = input.carried_state or CarriedState(status="pending_approval")
        # A copy: continue-as-new hands the next run this run's input object.
        self.state = carried.model_copy(deep=True)
        if self.state.offering_id is None:  # carried by a run that did not keep it
            self.state.offering_id = input.offering_id

    @property
    def subscription_id(self) -> str:
        return self.input.subscription_id

    @property
    def status(self) -> SubscriptionState:
        return self.state.status

    @property
    def pending(self) -> bool:
        """Awaiting the operator's decision (the one place the workflow tells)."""
        return self.state.status == "pending_approval"

    @property
    def live(self) -> bool:
        """Active or in arrears: the subscription runs (and can be cancelled)."""
        return self.state.status in LIVE

    def answer(self) -> LifecycleState:
        """What every update answers: a refused update fails instead, so `error` stays empty."""
        return LifecycleState(
            subscription_id=self.input.subscription_id,
            status=self.state.status,
            start_date=self.state.start_date,
            cancellation_effective=self.state.cancellation_effective,
            pending_modification_id=self.state.pending_modification_id,
        )

    def next_run_input(self) -> SubscriptionInput:
        """The input of the next run: the same ids, the state carried."""
        return self.input.model_copy(
            update={"offering_id": self.state.offering_id, "carried_state": self.state}
        )

    def adopt(self, snapshot: SubscriptionSnapshot) -> SubscriptionState:
        """Adopt the service's answer (the source of truth), republish on a change."""
        s = self.state
        changed = (snapshot.status, snapshot.offering_id) != (s.status, s.offering_id)
        s.status = snapshot.status
        s.start_date = snapshot.start_date or s.start_date
        s.billing_mode = snapshot.billing_mode or s.billing_mode
        if snapshot.offering_id is not None:
            s.offering_id = snapshot.offering_id
        if snapshot.monthly_price_cents is not None and s.billing.monthly_cents is not None:
            s.billing.monthly_cents = snapshot.monthly_price_cents  # a modification's price
        if changed:
            self.publish()
        return s.status

    def publish(self) -> None:
        """The operators' search attributes (ids and status only, never personal data)."""
        workflow.upsert_search_attributes(
            [
                SUBSCRIPTION_ID.value_set(self.input.subscription_id),
                CONTRACT_NUMBER.value_set(self.input.contract_number),
                SUBSCRIPTION_STATUS.value_set(self.state.status),
                SITE_ID.value_set(str(self.input.site_id)),
                OFFERING_ID.value_set(str(self.state.offering_id)),
            ]
        )

    # --- The checks validators and handlers share ---------------------------------------

    def require(self, status: SubscriptionState, code: str) -> None:
        if self.state.status != status:
            raise rejected(code, f"the subscription is {self.state.status}, not {status}")

    def require_pending(self) -> None:
        if not self.pending:
            raise rejected("not_pending", f"the subscription is {self.state.status}, not pending")

    def require_live(self) -> None:
        if not self.live:
            raise rejected("not_active", f"the subscription is {self.state.status}, not active")

    def require_cancellation(self) -> None:
        self.require_live()
        effective = self.state.cancellation_effective
        if effective is None:
            raise rejected("no_cancellation", "no cancellation is scheduled")
        if workflow.now() >= start_of_day(effective):
            raise rejected("cancellation_passed", "the cancellation already took effect")

    def require_modification(self, modification_id: str) -> None:
        self.require("active", "not_active")
        if self.state.pending_modification_id != modification_id:
            raise rejected("modification_not_pending", "no such modification request is pending")
