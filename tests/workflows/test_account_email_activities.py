"""The real account-email activities against the real identity app and a real SMTP server.

Identity runs in-process (httpx over ASGI) on the suite's migrated database; its Temporal client
is a separate time-skipping server's (`idle_env`), on a task queue no worker polls, so the
registration workflow that signup starts stays idle and every email here comes from the
activity under test.
"""

import dataclasses
import html
import logging
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from servicekit.mail import MailSettings
from servicekit.settings import PlatformSettings
from services.identity import repository
from services.identity.config import IdentitySettings
from services.identity.main import create_app
from workflows.registration.activities import NOT_FOUND_ATTEMPTS, AccountEmailActivities
from workflows.registration.models import AccountEmailInput, ExpireInput

IDENTITY = "http://identity.activities.test"
ORIGIN = "https://portail.test"
PASSWORD = "un long mot de passe"
BRAND = "Société Parc-Auto du Québec"


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self.messages.append(([str(r) for r in envelope.rcpt_tos], message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="test")
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest_asyncio.fixture(scope="module")
async def identity_app(
    idle_env: WorkflowEnvironment, identity_settings: IdentitySettings
) -> AsyncIterator[FastAPI]:
    platform = PlatformSettings(
        identity_url=IDENTITY,
        public_web_origin=ORIGIN,
        temporal_task_queue=f"idle-{uuid.uuid4()}",  # no worker: the activity is driven by hand
    )
    app = create_app(identity_settings, platform, idle_env.client)
    async with app.router.lifespan_context(app):
        yield app


@pytest_asyncio.fixture
async def identity(identity_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=identity_app)
    async with httpx.AsyncClient(transport=transport, base_url=IDENTITY) as client:
        yield client


@pytest.fixture
def activities(identity: httpx.AsyncClient, inbox: tuple[Inbox, int]) -> AccountEmailActivities:
    mail = MailSettings(host="127.0.0.1", port=inbox[1], timeout=5.0)
    return AccountEmailActivities(identity, IDENTITY, PlatformSettings().service_token, mail)


async def sign_up(identity: httpx.AsyncClient, app: FastAPI, language: str) -> tuple[str, str]:
    """A new unverified account; returns (account id, email)."""
    email = f"membre-{uuid.uuid4().hex[:10]}@example.org"
    body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
    response = await identity.post("/v1/accounts", json=body | {"language": language})
    assert response.status_code == 202, response.text
    async with app.state.sessionmaker() as session:
        account = await repository.account_by_email(session, email)
    assert account is not None
    return account.id, email


def run(activity: Any, arg: Any, attempt: int = 1) -> Any:
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(environment.info, attempt=attempt)
    return environment.run(activity, arg)


def link_in(text: str, path: str) -> str:
    match = re.search(rf"{re.escape(ORIGIN + path)}\?token=[A-Za-z0-9_\-]+", text)
    assert match, f"no {path} link in the text"
    return match.group(0)


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


async def test_french_verification_email_carries_its_link(
    activities: AccountEmailActivities,
    identity: httpx.AsyncClient,
    identity_app: FastAPI,
    inbox: tuple[Inbox, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    account_id, email = await sign_up(identity, identity_app, "fr")
    key = f"registration-{account_id}:verify:0"
    caplog.set_level(logging.DEBUG)

    result = await run(
        activities.send_account_email,
        AccountEmailInput(account_id=account_id, kind="verify_email", key=key),
    )

    assert result.outcome == "sent"
    [message] = inbox[0].to(email)
    assert message["Subject"] == "Confirmation de votre compte"
    assert BRAND in str(message["From"])
    assert key.replace(":", ".") in str(message["Message-ID"])
    text, page = body(message, "plain"), body(message, "html")
    link = link_in(text, "/verification")
    assert "Activer mon compte" in page
    assert f'href="{html.escape(link)}"' in page
    assert 'lang="fr"' in page
    assert PASSWORD not in text and PASSWORD not in page
    logged = "\n".join(  # all logs but the test SMTP server's own ("mail.log")
        r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")
    )
    assert "account email sent" in logged
    assert email not in logged and link not in logged

    # The link works: identity verifies the account, and a later send has nothing to do.
    token = parse_qs(urlparse(link).query)["token"][0]
    verified = await identity.post("/v1/accounts/verification", json={"token": token})
    assert verified.status_code == 200, verified.text
    again = await run(
        activities.send_account_email,
        AccountEmailInput(account_id=account_id, kind="verify_email", key=key + "-later"),
    )
    assert again.outcome == "already_verified"
    assert len(inbox[0].to(email)) == 1


async def test_english_verification_email_for_an_english_account(
    activities: AccountEmailActivities,
    identity: httpx.AsyncClient,
    identity_app: FastAPI,
    inbox: tuple[Inbox, int],
) -> None:
    account_id, email = await sign_up(identity, identity_app, "en")
    email_input = AccountEmailInput(
        account_id=account_id, kind="verify_email", key=f"registration-{account_id}:verify:0"
    )

    await run(activities.send_account_email, email_input)

    [message] = inbox[0].to(email)
    assert message["Subject"] == "Confirm your account"
    page = body(message, "html")
    link = link_in(body(message, "plain"), "/verification")
    assert "Activate my account" in page and html.escape(link) in page
    assert 'lang="en"' in page


async def test_a_retried_send_is_not_sent_again_and_a_newer_key_voids_the_link(
    activities: AccountEmailActivities,
    identity: httpx.AsyncClient,
    identity_app: FastAPI,
    inbox: tuple[Inbox, int],
) -> None:
    account_id, email = await sign_up(identity, identity_app, "fr")
    same = AccountEmailInput(
        account_id=account_id, kind="verify_email", key=f"registration-{account_id}:verify:0"
    )
    newer = same.model_copy(update={"key": f"registration-{account_id}:verify:1"})

    await run(activities.send_account_email, same)
    # A retry after SMTP took the message (the worker died before reporting): the sent-mail
    # ledger has its Message-ID, so nothing goes out again.
    await run(activities.send_account_email, same, attempt=2)
    await run(activities.send_account_email, newer)

    links = [link_in(body(m, "plain"), "/verification") for m in inbox[0].to(email)]
    assert len(links) == 2
    assert links[1] != links[0]
    token = parse_qs(urlparse(links[0]).query)["token"][0]
    old = await identity.post("/v1/accounts/verification", json={"token": token})
    assert old.json()["error"] == "token_invalid"  # the newer key voided it


async def test_password_reset_email_in_french(
    activities: AccountEmailActivities,
    identity: httpx.AsyncClient,
    identity_app: FastAPI,
    inbox: tuple[Inbox, int],
) -> None:
    account_id, email = await sign_up(identity, identity_app, "fr")
    key = f"account-email-{account_id}-{uuid.uuid4()}:password_reset"

    await run(
        activities.send_account_email,
        AccountEmailInput(account_id=account_id, kind="password_reset", key=key),
    )

    [message] = inbox[0].to(email)
    assert message["Subject"] == "Réinitialisation de votre mot de passe"
    text = body(message, "plain")
    link_in(text, "/reinitialisation")
    assert "1 heure" in text


async def test_unknown_account_is_retried_then_reported_gone(
    activities: AccountEmailActivities,
) -> None:
    ghost = AccountEmailInput(account_id=str(uuid.uuid4()), kind="verify_email", key="k:verify:0")

    with pytest.raises(ApplicationError) as first:
        await run(activities.send_account_email, ghost)
    last = await run(activities.send_account_email, ghost, attempt=NOT_FOUND_ATTEMPTS)

    assert first.value.type == "AccountNotFound" and not first.value.non_retryable
    assert last.outcome == "account_not_found"


async def test_expiry_deletes_only_unverified_accounts(
    activities: AccountEmailActivities,
    identity: httpx.AsyncClient,
    identity_app: FastAPI,
    inbox: tuple[Inbox, int],
) -> None:
    unverified, _ = await sign_up(identity, identity_app, "fr")
    verified, email = await sign_up(identity, identity_app, "fr")
    await run(
        activities.send_account_email,
        AccountEmailInput(account_id=verified, kind="verify_email", key=f"{verified}:verify:0"),
    )
    token = parse_qs(urlparse(link_in(body(inbox[0].to(email)[0], "plain"), "/verification")).query)
    await identity.post("/v1/accounts/verification", json={"token": token["token"][0]})

    gone = await run(activities.expire_unverified_account, ExpireInput(account_id=unverified))
    kept = await run(activities.expire_unverified_account, ExpireInput(account_id=verified))

    assert gone.expired is True
    assert kept.expired is False
    async with identity_app.state.sessionmaker() as session:
        assert await repository.account_by_id(session, unverified) is None
        assert await repository.account_by_id(session, verified) is not None


async def test_a_retry_after_smtp_took_the_message_sends_nothing(
    activities: AccountEmailActivities,
    identity: httpx.AsyncClient,
    identity_app: FastAPI,
    inbox: tuple[Inbox, int],
) -> None:
    account_id, email = await sign_up(identity, identity_app, "fr")
    same = AccountEmailInput(
        account_id=account_id, kind="verify_email", key=f"registration-{account_id}:verify:0"
    )

    await run(activities.send_account_email, same)
    retried = await run(activities.send_account_email, same, attempt=2)

    assert retried.outcome == "sent"  # sent by the first attempt: the workflow moves on
    [only] = inbox[0].to(email)  # the sent-mail ledger knew its Message-ID
    assert same.key.replace(":", ".") in str(only["Message-ID"])
