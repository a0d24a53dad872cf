"""« Envoyer de nouveau les instructions » right after signup and « Mot de passe perdu? » just
after the verification email: the page says plainly when the next email can be sent instead of
claiming it was sent (item 11 of issue 10). Real identity, real worker, real SMTP server."""

import html
import re

import httpx
import pytest
from fastapi import FastAPI

from tests.support.mail import SmtpServer
from tests.support.service_rows import allow_next_email_now
from tests.web.support import PASSWORD, csrf, emailed_token, sign_up
from tests.web.test_web_signup import signup

pytestmark = pytest.mark.usefixtures("worker")
WAIT = re.compile(
    r"Un courriel a déjà été demandé pour cette adresse il y a peu\. "
    r"Le prochain envoi sera possible dans (\d+) secondes?\."
)


def _wait_said(page: httpx.Response) -> int:
    """The seconds the page tells the user to wait (the page is in French by default)."""
    match = WAIT.search(html.unescape(page.text))
    assert match, page.text
    return int(match.group(1))


async def test_resend_right_after_signup_says_when_then_sends_when_allowed(
    client: httpx.AsyncClient, smtp: SmtpServer, identity_app: FastAPI, unique_email: str
) -> None:
    assert (await signup(client, unique_email, PASSWORD, PASSWORD)).status_code == 303
    first = await emailed_token(smtp, unique_email)

    token = await csrf(client, "/confirmation-du-compte")
    page = await client.post("/confirmation-du-compte/renvoyer", data={"csrf_token": token})

    assert page.status_code == 429
    assert 0 < _wait_said(page) <= 60
    assert "viennent de lui être envoyées de nouveau" not in page.text
    with pytest.raises(AssertionError):
        await smtp.wait_for(unique_email, count=2, timeout=1.5)

    await allow_next_email_now(identity_app, unique_email)  # the minute has passed
    token = await csrf(client, "/confirmation-du-compte")
    sent = await client.post("/confirmation-du-compte/renvoyer", data={"csrf_token": token})
    assert sent.status_code == 303
    assert await emailed_token(smtp, unique_email, count=2) != first
    confirmation = await client.get("/confirmation-du-compte")
    assert "les instructions viennent de lui être envoyées de nouveau" in confirmation.text


async def test_forgotten_password_just_after_the_verification_email_says_when(
    client: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_app: FastAPI,
    unique_email: str,
) -> None:
    await sign_up(identity, unique_email)
    token = await emailed_token(smtp, unique_email)
    assert (await identity.post("/v1/accounts/verification", json={"token": token})).is_success

    form = {"csrf_token": await csrf(client, "/mot-de-passe-perdu"), "email": unique_email}
    page = await client.post("/mot-de-passe-perdu", data=form)

    assert page.status_code == 429
    assert 0 < _wait_said(page) <= 60
    with pytest.raises(AssertionError):
        await smtp.wait_for(unique_email, count=2, timeout=1.5)
    # The same words for an address without an account that was asked for a moment ago.
    ghost = "ghost-" + unique_email
    for expected in (200, 429):
        form = {"csrf_token": await csrf(client, "/mot-de-passe-perdu"), "email": ghost}
        assert (await client.post("/mot-de-passe-perdu", data=form)).status_code == expected

    await allow_next_email_now(identity_app, unique_email)
    form = {"csrf_token": await csrf(client, "/mot-de-passe-perdu"), "email": unique_email}
    assert (await client.post("/mot-de-passe-perdu", data=form)).status_code == 200
    reset = (await smtp.wait_for(unique_email, count=2))[-1]
    assert "/reinitialisation?token=" in str(reset)
