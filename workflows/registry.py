"""Every workflow and activity the worker runs; later lifecycles add themselves here.

Tests and the bench reuse `WORKFLOWS`, `INTERCEPTORS`, `build_activities` and
`install_actor_keys` so they run what production runs.
"""

from collections.abc import Callable, Sequence
from typing import Any

import httpx
from temporalio.worker import Interceptor

from servicekit.actor_token import ActorTokenKeys
from servicekit.mail import MailSettings
from servicekit.sent_mail import SentMailLedger
from servicekit.settings import PlatformSettings
from workflows.claims.activities import ClaimActivities
from workflows.claims.workflows import ClaimReceiptWorkflow
from workflows.erasure.activities import ErasureActivities
from workflows.erasure.workflows import ErasureWorkflow
from workflows.exports.activities import ExportActivities
from workflows.exports.workflows import ExportWorkflow
from workflows.heartbeat import HeartbeatInterceptor
from workflows.registration.activities import AccountEmailActivities
from workflows.registration.workflows import AccountEmailWorkflow, RegistrationWorkflow
from workflows.subscription.activities import SubscriptionActivities
from workflows.subscription.actors import install_actor_keys as install_keys
from workflows.subscription.billing_activities import BillingActivities
from workflows.subscription.settings import WorkflowSettings
from workflows.subscription.workflows import SubscriptionWorkflow
from workflows.temporary_vehicle.activities import TemporaryVehicleActivities
from workflows.temporary_vehicle.workflows import TemporaryVehicleWorkflow
from workflows.waitlist.activities import WaitlistActivities
from workflows.waitlist.workflows import WaitlistWorkflow

# Every worker runs with these (a killed worker's activities are retried within seconds).
INTERCEPTORS: Sequence[Interceptor] = (HeartbeatInterceptor(),)
WORKFLOWS: Sequence[type] = (
    RegistrationWorkflow,
    AccountEmailWorkflow,
    SubscriptionWorkflow,
    ExportWorkflow,
    ClaimReceiptWorkflow,
    ErasureWorkflow,
    TemporaryVehicleWorkflow,
    WaitlistWorkflow,
)


def build_activities(
    http: httpx.AsyncClient,
    settings: PlatformSettings,
    mail: MailSettings,
    workflow_settings: WorkflowSettings | None = None,
) -> list[Callable[..., Any]]:
    """The activity callables, bound to the clients the worker owns."""
    ledger = SentMailLedger(mail.ledger_url)  # one per worker: every email goes through it
    accounts = AccountEmailActivities(
        http, settings.identity_url, settings.service_token, mail, ledger
    )
    subscriptions = SubscriptionActivities(
        http, settings, mail, workflow_settings or WorkflowSettings(), ledger
    )
    billing = BillingActivities(http, settings)
    exports = ExportActivities(http, settings)
    claims = ClaimActivities(http, settings, mail, ledger)
    erasure = ErasureActivities(http, settings)
    temporary = TemporaryVehicleActivities(http, settings)
    waitlists = WaitlistActivities(http, settings)
    return [
        accounts.send_account_email,
        accounts.expire_unverified_account,
        subscriptions.transition,
        subscriptions.load,
        subscriptions.generate_contract,
        subscriptions.email_user,
        subscriptions.email_service_centre,
        billing.charge,
        billing.credit,
        billing.payment_method,
        billing.release_payment_method,
        exports.cpa005,
        exports.payroll,
        exports.pad_returns,
        claims.send_receipt,
        erasure.erase,
        erasure.record_proofs,
        temporary.end,
        waitlists.round,
    ]


def install_actor_keys(settings: PlatformSettings) -> None:
    """Give the subscription workflow's update validators the actor token key (they run in the
    sandbox, which cannot read the environment); before the worker polls."""
    install_keys(ActorTokenKeys(settings.actor_token_key, settings.actor_token_seconds))
