"""Failed-login throttling (item 3 of issue 10): emails with and without an account answer the
same way after N failures, and guessing from one address cannot lock the owner out elsewhere;
the email-wide ceiling is lifted by a password reset through the emailed link."""

import httpx
import pytest
from fastapi import FastAPI

from tests.identity.helpers import PASSWORD, token_of, verified_account
from tests.support.mail import link_in
from tests.support.service_rows import allow_next_email_now

pytestmark = pytest.mark.usefixtures("worker")


def _from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://identity.test")


async def _fail(client: httpx.AsyncClient, email: str, times: int) -> None:
    for _ in range(times):
        answer = await client.post("/v1/sessions", json={"email": email, "password": "nope" * 3})
        assert answer.status_code == 401, answer.text


async def test_known_and_unknown_emails_answer_alike_after_the_limit(
    identity, identity_app, identity_settings, smtp, unique_email
) -> None:
    await verified_account(identity, smtp, unique_email)
    ghost = "ghost-" + unique_email
    limit = identity_settings.login_failures_per_account
    async with _from(identity_app, "198.51.100.60") as client:
        await _fail(client, unique_email, limit)
        await _fail(client, ghost, limit)
        known = await client.post("/v1/sessions", json={"email": unique_email, "password": "x"})
        unknown = await client.post("/v1/sessions", json={"email": ghost, "password": "x"})
    assert known.status_code == unknown.status_code == 429
    assert known.json()["error"] == unknown.json()["error"] == "too_many_attempts"
    assert known.json()["message"] == unknown.json()["message"]


async def test_guessing_from_one_address_does_not_lock_the_owner_out_elsewhere(
    identity, identity_app, identity_settings, smtp, unique_email
) -> None:
    await verified_account(identity, smtp, unique_email)
    async with _from(identity_app, "198.51.100.61") as attacker:
        await _fail(attacker, unique_email, identity_settings.login_failures_per_account)
        right = {"email": unique_email, "password": PASSWORD}
        assert (await attacker.post("/v1/sessions", json=right)).status_code == 429
    async with _from(identity_app, "198.51.100.62") as owner:
        assert (await owner.post("/v1/sessions", json=right)).status_code == 200


async def test_the_email_wide_ceiling_is_lifted_by_a_reset_through_the_emailed_link(
    identity, identity_app, identity_settings, smtp, unique_email
) -> None:
    await verified_account(identity, smtp, unique_email)
    per_pair = identity_settings.login_failures_per_account
    addresses = -(-identity_settings.login_failures_per_email_hour // per_pair)
    for i in range(addresses):  # a botnet: each address stays under its own limits
        async with _from(identity_app, f"192.0.2.{100 + i}") as bot:
            await _fail(bot, unique_email, per_pair)
    right = {"email": unique_email, "password": PASSWORD}
    async with _from(identity_app, "198.51.100.63") as owner:
        ceiling = await owner.post("/v1/sessions", json=right)
        assert ceiling.status_code == 429
        # « Mot de passe perdu? »: the link emailed to the address is the owner's way in.
        await allow_next_email_now(identity_app, unique_email)
        await owner.post("/v1/password-resets", json={"email": unique_email})
        token = token_of(link_in((await smtp.wait_for(unique_email, count=2))[-1]))
        new = "a brand new passphrase"
        body = {"token": token, "password": new, "password_confirmation": new}
        assert (await owner.post("/v1/password-resets/confirm", json=body)).status_code == 200
        after = await owner.post("/v1/sessions", json={"email": unique_email, "password": new})
        assert after.status_code == 200, after.text
