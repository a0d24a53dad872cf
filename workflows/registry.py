"""Every workflow and activity the worker runs; later lifecycles add themselves here.

Tests and the bench reuse `WORKFLOWS` and `build_activities` so they run what production runs.
"""

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from workflows.registration.activities import AccountEmailActivities
from workflows.registration.workflows import AccountEmailWorkflow, RegistrationWorkflow

WORKFLOWS: Sequence[type] = (
    RegistrationWorkflow,
    AccountEmailWorkflow,
)


def build_activities(
    http: httpx.AsyncClient, settings: PlatformSettings, mail: MailSettings
) -> list[Callable[..., Any]]:
    """The activity callables, bound to the clients the worker owns."""
    accounts = AccountEmailActivities(http, settings.identity_url, settings.service_token, mail)
    return [
        accounts.send_account_email,
        accounts.expire_unverified_account,
    ]
