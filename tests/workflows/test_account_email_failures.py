"""How the account activities fail, against the real identity app: retryable, and without the
address or the link in the error (workflow history and logs must not carry them)."""

import socket

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from servicekit.mail import MailSettings
from tests.identity.helpers import sign_up
from workflows.registration.activities import AccountEmailActivities
from workflows.registration.models import AccountEmailInput, ExpireInput

pytestmark = pytest.mark.usefixtures("worker")
IDENTITY = "http://identity.test"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


@pytest.fixture
async def account_id(identity, smtp, platform_settings, unique_email) -> str:
    await sign_up(identity, unique_email)
    await smtp.wait_for(unique_email)
    found = await identity.get(
        "/internal/v1/accounts",
        params={"email": unique_email},
        headers={"X-Service-Token": platform_settings.service_token},
    )
    return str(found.json()["id"])


def activities(apps, token: str, smtp_port: int | None = None) -> AccountEmailActivities:
    mail = MailSettings(host="127.0.0.1", port=smtp_port or closed_port(), timeout=2.0)
    return AccountEmailActivities(apps["http"], IDENTITY, token, mail)


async def test_smtp_down_is_retryable_and_does_not_leak_the_address(
    apps, platform_settings, account_id, unique_email
):
    job = AccountEmailInput(account_id=account_id, kind="verify_email", key=f"{account_id}:k")

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(
            activities(apps, platform_settings.service_token).send_account_email, job
        )

    assert failure.value.type == "SMTPError"
    assert not failure.value.non_retryable
    assert failure.value.__cause__ is None  # the SMTP library's text could echo the recipient
    assert unique_email not in str(failure.value) and "token=" not in str(failure.value)


async def test_an_identity_refusal_is_retried_and_names_only_the_status(
    apps, account_id, unique_email
):
    job = AccountEmailInput(account_id=account_id, kind="verify_email", key=f"{account_id}:k")

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities(apps, "wrong token").send_account_email, job)

    assert failure.value.type == "IdentityHTTPError"
    assert not failure.value.non_retryable  # a rotated token is fixed by redeploying, not lost
    assert "401" in str(failure.value) and unique_email not in str(failure.value)


async def test_expiry_asks_identity_which_keeps_a_verified_account(
    apps, identity, platform_settings, account_id
):
    run = activities(apps, platform_settings.service_token).expire_unverified_account

    unverified = await ActivityEnvironment().run(run, ExpireInput(account_id=account_id))
    gone = await ActivityEnvironment().run(run, ExpireInput(account_id=account_id))

    assert unverified.expired is True
    assert gone.expired is False  # already removed: nothing to expire
    again = await identity.get(
        f"/internal/v1/accounts/{account_id}",
        headers={"X-Service-Token": platform_settings.service_token},
    )
    assert again.status_code == 404
