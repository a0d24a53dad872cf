"""How `send_account_email` fails: retryable, and without the address or link in the error."""

import json
import socket
from collections.abc import Callable

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from servicekit.mail import MailSettings
from workflows.registration.activities import AccountEmailActivities
from workflows.registration.models import AccountEmailInput, ExpireInput

IDENTITY = "http://identity.failures.test"
TOKEN = "service-token-for-tests"
EMAIL = "lea.tremblay@example.org"
LINK = "https://portail.test/verification?token=abcdefghijklmnop"
INPUT = AccountEmailInput(
    account_id="acc-1", kind="verify_email", key="registration-acc-1:verify:0"
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def activities_over(
    handler: Callable[[httpx.Request], httpx.Response], smtp_port: int | None = None
) -> AccountEmailActivities:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    mail = MailSettings(host="127.0.0.1", port=smtp_port or closed_port(), timeout=2.0)
    return AccountEmailActivities(http, IDENTITY, TOKEN, mail)


def context_answer(request: httpx.Request) -> httpx.Response:
    assert request.url.path == "/internal/v1/accounts/acc-1/email-context"
    assert request.headers["X-Service-Token"] == TOKEN
    assert json.loads(request.content) == {"kind": INPUT.kind, "key": INPUT.key}
    body = {"account_id": "acc-1", "email": EMAIL, "language": "fr", "link": LINK}
    return httpx.Response(200, json=body)


async def test_smtp_down_is_retryable_and_does_not_leak_the_address() -> None:
    activities = activities_over(context_answer)

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities.send_account_email, INPUT)

    assert failure.value.type == "SMTPError"
    assert not failure.value.non_retryable
    assert failure.value.__cause__ is None  # the SMTP library's text could echo the recipient
    assert EMAIL not in str(failure.value) and LINK not in str(failure.value)


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "internal_error"), (401, "invalid_service_token"), (404, "not_found"), (409, "other")],
)
async def test_other_identity_answers_are_retried(status: int, code: str) -> None:
    def answer(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error": code, "message": {"fr": EMAIL, "en": EMAIL}})

    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(activities_over(answer).send_account_email, INPUT)

    assert failure.value.type == "IdentityHTTPError"
    assert not failure.value.non_retryable
    assert str(status) in str(failure.value) and EMAIL not in str(failure.value)


async def test_expiry_posts_to_identity_and_reads_its_answer() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"expired": True})

    activities = activities_over(answer)
    result = await ActivityEnvironment().run(
        activities.expire_unverified_account, ExpireInput(account_id="acc 1/x")
    )

    assert result.expired is True
    [request] = seen
    assert request.method == "POST"
    assert request.url.raw_path == b"/internal/v1/accounts/acc%201%2Fx/expire"
    assert request.headers["X-Service-Token"] == TOKEN
