"""Ouverture de compte and Confirmation du compte, through the API with the real worker."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from servicekit.db import make_engine, utcnow
from services.identity.models import OneTimeToken
from tests.identity.helpers import PASSWORD, login, sign_up, token_of, verified_account
from tests.support.mail import link_in
from tests.support.service_rows import allow_next_email_now
from workflows.registration.models import RegistrationStatus

pytestmark = pytest.mark.usefixtures("worker")


async def test_signup_sends_a_french_verification_email_whose_link_activates_the_account(
    identity, smtp, temporal_client, unique_email
):
    await sign_up(identity, unique_email)

    [mail] = await smtp.wait_for(unique_email)
    assert "Confirm" in mail.details.subject or "compte" in mail.details.subject.lower()
    link = link_in(mail)
    assert link.startswith("https://portal.test/verification?token=")
    blocked = await identity.post(
        "/v1/sessions", json={"email": unique_email, "password": PASSWORD}
    )
    assert blocked.status_code == 403
    assert blocked.json()["error"] == "account_not_verified"

    verified = await identity.post("/v1/accounts/verification", json={"token": token_of(link)})
    assert verified.json() == {"status": "verified"}
    tokens = await login(identity, unique_email)
    assert tokens["account"]["profile_complete"] is False
    me = await identity.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["email"] == unique_email and me.json()["verified_at"]

    handle = temporal_client.get_workflow_handle(
        f"registration-{me.json()['id']}", result_type=RegistrationStatus
    )
    result = await handle.result()
    assert result.status == "verified"


async def test_email_is_unique_case_insensitively_and_the_answer_reveals_nothing(
    identity, smtp, identity_app, unique_email
):
    await verified_account(identity, smtp, unique_email)
    await allow_next_email_now(identity_app, unique_email)
    body = {
        "email": unique_email.upper(),
        "password": "another long secret",
        "password_confirmation": "another long secret",
    }

    again = await identity.post("/v1/accounts", json=body)
    fresh = await identity.post("/v1/accounts", json=body | {"email": "new-" + unique_email})

    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json()
    notices = await smtp.wait_for(unique_email, count=2)
    assert (
        "Quelqu'un" in notices[-1].details.text or "tentative" in notices[-1].details.text.lower()
    )
    await login(identity, unique_email)  # the original password still works


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"email": "not-an-email"}, "email", "email_invalid"),
        ({"password": "short", "password_confirmation": "short"}, "password", "password_too_short"),
        ({"password_confirmation": "something else"}, "password_confirmation", "password_mismatch"),
        (
            {"password": "motdepasse123", "password_confirmation": "motdepasse123"},
            "password",
            "password_too_common",
        ),
        ({"email": None}, "email", "string_type"),
    ],
)
async def test_bad_signup_input_names_the_field_in_french_and_english(identity, body, field, code):
    base = {"email": "ok@example.org", "password": PASSWORD, "password_confirmation": PASSWORD}
    response = await identity.post("/v1/accounts", json=base | body)

    assert response.status_code == 422
    error = response.json()
    assert error["field"] == field
    assert error["errors"][0]["code"] == code
    assert error["message"]["fr"] and error["message"]["en"]
    assert error["message"]["fr"] != error["message"]["en"]


async def test_a_64_character_password_is_accepted_and_not_truncated(identity, smtp, unique_email):
    long_password = "x" * 40 + "y" * 24
    body = {
        "email": unique_email,
        "password": long_password,
        "password_confirmation": long_password,
    }
    assert (await identity.post("/v1/accounts", json=body)).status_code == 202
    link = link_in((await smtp.wait_for(unique_email))[-1])
    await identity.post("/v1/accounts/verification", json={"token": token_of(link)})

    wrong = await identity.post(
        "/v1/sessions", json={"email": unique_email, "password": long_password[:-1]}
    )
    assert wrong.status_code == 401
    await login(identity, unique_email, long_password)


async def test_verification_tokens_are_single_use_and_tamper_proof(identity, smtp, unique_email):
    link = await verified_account(identity, smtp, unique_email)
    token = token_of(link)

    used = await identity.post("/v1/accounts/verification", json={"token": token})
    tampered = await identity.post("/v1/accounts/verification", json={"token": token[:-2] + "xx"})

    assert (used.status_code, used.json()["error"]) == (400, "token_used")
    assert (tampered.status_code, tampered.json()["error"]) == (400, "token_invalid")
    assert tampered.json()["field"] == "token"


async def test_an_expired_verification_link_is_refused(
    identity, smtp, identity_settings, unique_email
):
    await sign_up(identity, unique_email)
    token = token_of(link_in((await smtp.wait_for(unique_email))[-1]))
    engine = make_engine(identity_settings.database_url)
    async with engine.begin() as conn:
        from services.identity.security import token_digest

        await conn.execute(
            update(OneTimeToken)
            .where(OneTimeToken.token_hash == token_digest(token))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    await engine.dispose()

    response = await identity.post("/v1/accounts/verification", json={"token": token})
    assert (response.status_code, response.json()["error"]) == (400, "token_expired")


async def test_resend_sends_a_new_link_that_voids_the_old_one(
    identity, smtp, identity_app, unique_email
):
    await sign_up(identity, unique_email)
    first = token_of(link_in((await smtp.wait_for(unique_email))[-1]))
    await allow_next_email_now(identity_app, unique_email)

    response = await identity.post("/v1/accounts/verification/resend", json={"email": unique_email})
    assert response.status_code == 202
    second = token_of(link_in((await smtp.wait_for(unique_email, count=2))[-1]))

    assert second != first
    old = await identity.post("/v1/accounts/verification", json={"token": first})
    assert old.json()["error"] == "token_invalid"
    new = await identity.post("/v1/accounts/verification", json={"token": second})
    assert new.status_code == 200


async def test_a_resend_within_the_minute_says_when_whether_or_not_the_account_exists(
    identity, smtp, unique_email
):
    resend = "/v1/accounts/verification/resend"
    await sign_up(identity, unique_email)  # its verification email counts for this address
    await smtp.wait_for(unique_email)
    ghost = "nobody-" + unique_email
    assert (await identity.post(resend, json={"email": ghost})).status_code == 202

    known = await identity.post(resend, json={"email": unique_email})
    unknown = await identity.post(resend, json={"email": ghost})

    assert known.status_code == unknown.status_code == 429
    for answer in (known, unknown):
        body = answer.json()
        assert body["error"] == "email_throttled"
        assert 0 < body["details"]["retry_after"] == int(answer.headers["Retry-After"]) <= 60
        assert body["message"]["fr"].startswith(
            "Un courriel a déjà été demandé pour cette adresse il y a peu. Le prochain envoi "
            "sera possible dans "
        )
        assert body["message"]["en"].startswith("An email was requested for this address")
    with pytest.raises(AssertionError):  # within the minute: no second email
        await smtp.wait_for(unique_email, count=2, timeout=2.0)
