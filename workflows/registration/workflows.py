"""Registration lifecycle: verification email, resends, expiry; and one-off account emails."""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from servicekit.temporal import ACCOUNT_ID, REGISTRATION_STATUS
    from workflows.registration.activities import AccountEmailActivities
    from workflows.registration.models import (
        AccountEmailInput,
        AccountEmailResult,
        ExpireInput,
        ExpireResult,
        RegistrationInput,
        RegistrationState,
        RegistrationStatus,
    )
    from workflows.retries import EMAIL_RETRY, HEARTBEAT_TIMEOUT, SERVICE_RETRY

MAX_RESENDS = 20  # per registration; identity throttles resends too

# No maximum_attempts: while SMTP or identity is down the email waits, retried every 10 s at
# most (workflows/retries.py), and nothing is lost. The idempotency key keeps the link the same
# across retries, and the sent-mail ledger skips a retry SMTP already accepted.
EMAIL_TIMEOUT = timedelta(seconds=60)
EXPIRE_TIMEOUT = timedelta(seconds=30)
EXPIRE_RETRY = SERVICE_RETRY


async def send_account_email(input: AccountEmailInput) -> AccountEmailResult:
    """Run the `send_account_email` activity with the platform's email timeouts and retries."""
    return await workflow.execute_activity_method(
        AccountEmailActivities.send_account_email,
        input,
        start_to_close_timeout=EMAIL_TIMEOUT,
        retry_policy=EMAIL_RETRY,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
    )


def verification_key(info: workflow.Info, n: int) -> str:
    """Idempotency key of verification email `n`: stable across retries and continue-as-new.

    The first run id tells a restarted registration (a new execution under the same workflow
    id, started again by identity) from the earlier one, whose links must not come back.
    """
    return f"{info.workflow_id}:{info.first_execution_run_id}:verify:{n}"


@workflow.defn
class RegistrationWorkflow:
    """Id `registration-<account id>`: verify the email address or expire the account."""

    @workflow.init
    def __init__(self, input: RegistrationInput) -> None:
        self._account_id = input.account_id
        # Fixed once; resends never push it, continue-as-new carries it over.
        self._deadline: datetime = input.carried_deadline or (
            workflow.info().workflow_start_time + timedelta(seconds=input.expire_after_seconds)
        )
        self._emails_sent = input.carried_emails_sent
        self._state: RegistrationState = "pending"
        self._verified_signal = False
        self._resend_requested = False

    @workflow.run
    async def run(self, input: RegistrationInput) -> RegistrationStatus:
        self._publish()
        if self._emails_sent == 0 and not self._verified_signal:
            await self._send_verification()
        while self._state == "pending":
            deadline_reached = await self._wait_for_news()
            await self._decide(deadline_reached)
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry_over(input))
        return self.status()

    @workflow.signal(name="email_verified")
    def email_verified(self) -> None:
        """Identity verified the account (sent after its database change)."""
        self._verified_signal = True

    @workflow.signal(name="resend_requested")
    def resend_requested(self) -> None:
        """The person asked for the verification instructions again."""
        if self._resends_left() > 0:
            self._resend_requested = True
        else:
            workflow.logger.warning("resend ignored: %d resends already sent", MAX_RESENDS)

    @workflow.query(name="status")
    def status(self) -> RegistrationStatus:
        """Where the registration stands."""
        return RegistrationStatus(
            account_id=self._account_id,
            status=self._state,
            emails_sent=self._emails_sent,
            expires_at=self._deadline,
        )

    async def _wait_for_news(self) -> bool:
        """Wait for a signal worth acting on; True when the deadline came first."""
        remaining = self._deadline - workflow.now()
        if remaining <= timedelta(0):
            return True
        try:
            await workflow.wait_condition(self._has_news, timeout=remaining)
        except TimeoutError:  # asyncio.TimeoutError is TimeoutError since 3.11
            return True
        return False

    def _has_news(self) -> bool:
        return self._verified_signal or (self._resend_requested and self._resends_left() > 0)

    async def _decide(self, deadline_reached: bool) -> None:
        """Verification wins over the deadline; at the deadline identity's database decides."""
        if self._verified_signal:
            self._finish("verified")
        elif deadline_reached:
            await self._expire()
        elif self._resend_requested:
            self._resend_requested = False
            await self._send_verification()

    async def _send_verification(self) -> None:
        """Send verification email number n; a new key gives a new link and voids the older."""
        key = verification_key(workflow.info(), self._emails_sent)
        result = await send_account_email(
            AccountEmailInput(account_id=self._account_id, kind="verify_email", key=key)
        )
        if result.outcome == "sent":
            self._emails_sent += 1  # only now: the next key must differ from this one
        elif result.outcome == "already_verified":
            self._finish("verified")  # the database says so, even if the signal was lost
        elif result.outcome == "account_not_found":
            self._finish("expired")  # the signup never committed or the account is gone

    async def _expire(self) -> None:
        result: ExpireResult = await workflow.execute_activity_method(
            AccountEmailActivities.expire_unverified_account,
            ExpireInput(account_id=self._account_id),
            start_to_close_timeout=EXPIRE_TIMEOUT,
            retry_policy=EXPIRE_RETRY,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )
        self._finish("expired" if result.expired else "verified")

    def _resends_left(self) -> int:
        return MAX_RESENDS - max(self._emails_sent - 1, 0)

    def _finish(self, state: RegistrationState) -> None:
        self._state = state
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_search_attributes(
            [ACCOUNT_ID.value_set(self._account_id), REGISTRATION_STATUS.value_set(self._state)]
        )

    def _should_continue_as_new(self) -> bool:
        # Only between steps with no signal waiting to be acted on, so nothing is dropped.
        return (
            self._state == "pending"
            and not self._has_news()
            and workflow.info().is_continue_as_new_suggested()
        )

    def _carry_over(self, input: RegistrationInput) -> RegistrationInput:
        return input.model_copy(
            update={"carried_deadline": self._deadline, "carried_emails_sent": self._emails_sent}
        )


@workflow.defn
class AccountEmailWorkflow:
    """Id `account-email-<account id>-<uuid>`: one account email (reset, notice, attempt)."""

    @workflow.run
    async def run(self, input: AccountEmailInput) -> AccountEmailResult:
        return await send_account_email(input)
