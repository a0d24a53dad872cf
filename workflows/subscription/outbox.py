"""The workflow's outbox: emails the updates and timers queue, sent in order by `run()`, so an
update answers at once and never waits on SMTP (TEMPORAL.md 17).

Workflow code (it runs inside the workflow's sandbox): only the standard library and temporalio
at top level, the rest passed through.
"""

from datetime import date

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.subscription.activities import SubscriptionActivities
    from workflows.subscription.activity_options import execute, failure_type
    from workflows.subscription.models import (
        ServiceCentreEmailInput,
        ServiceCentreEmailKind,
        SubscriptionInput,
        UserEmailInput,
        UserEmailKind,
    )
    from workflows.subscription.record import key

Email = UserEmailInput | ServiceCentreEmailInput


class Outbox:
    """Emails to the account holder and to the service centre, each keyed once."""

    def __init__(self, input: SubscriptionInput) -> None:
        self._input = input
        self._emails: list[Email] = []

    @property
    def has_mail(self) -> bool:
        """Emails wait to be sent."""
        return bool(self._emails)

    def user(
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
        card_unusable: bool = False,
        return_reason: str | None = None,
        new_details_needed: bool = False,
        card_last4: str | None = None,
        card_last_day: date | None = None,
    ) -> None:
        """Queue an email to the account holder (the activity looks the address up)."""
        self._emails.append(
            UserEmailInput(
                subscription_id=self._input.subscription_id,
                kind=kind,
                key=key(f"email:{kind}", n),
                reason=reason,
                effective_date=effective_date,
                attach_contract=attach_contract,
                amount_cents=amount_cents,
                debit_date=debit_date,
                monthly_cents=monthly_cents,
                next_attempt=next_attempt,
                card_unusable=card_unusable,
                return_reason=return_reason,
                new_details_needed=new_details_needed,
                card_last4=card_last4,
                card_last_day=card_last_day,
            )
        )

    def centre(
        self,
        kind: ServiceCentreEmailKind,
        *,
        n: str | None = None,
        waiting_days: int | None = None,
        modification_id: str | None = None,
    ) -> None:
        """Queue a note to the service centre (ids only)."""
        self._emails.append(
            ServiceCentreEmailInput(
                subscription_id=self._input.subscription_id,
                contract_number=self._input.contract_number,
                kind=kind,
                key=key(f"email:{kind}", n),
                waiting_days=waiting_days,
                modification_id=modification_id,
            )
        )

    async def send_next(self) -> None:
        """Send the oldest email queued; what no retry fixes is logged and dropped."""
        email = self._emails.pop(0)
        try:
            if isinstance(email, UserEmailInput):
                await execute(SubscriptionActivities.email_user, email)
            else:
                await execute(SubscriptionActivities.email_service_centre, email)
        except ActivityError as error:  # only what no retry fixes gets here
            workflow.logger.warning("%s not sent: %s", email.kind, failure_type(error))
