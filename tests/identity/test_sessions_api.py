"""Connexion, throttling, refresh, logout, Mot de passe perdu?, password change, tokens."""

import jwt
import pytest

from tests.identity.helpers import PASSWORD, bearer, login, token_of, verified_account
from tests.support.mail import link_in

pytestmark = pytest.mark.usefixtures("worker")


async def test_login_with_a_wrong_password_or_unknown_email_gives_the_same_error(
    identity, smtp, unique_email
):
    await verified_account(identity, smtp, unique_email)
    wrong = await identity.post(
        "/v1/sessions", json={"email": unique_email, "password": "nope" * 3}
    )
    unknown = await identity.post(
        "/v1/sessions", json={"email": "ghost-" + unique_email, "password": "nope" * 3}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["message"]["fr"].startswith("Adresse courriel ou mot de passe incorrect")


async def test_failed_logins_are_throttled_per_account_for_a_short_window(
    identity, smtp, unique_email
):
    await verified_account(identity, smtp, unique_email)
    for _ in range(10):
        response = await identity.post(
            "/v1/sessions", json={"email": unique_email, "password": "wrong password"}
        )
        assert response.status_code == 401

    blocked = await identity.post(
        "/v1/sessions", json={"email": unique_email, "password": PASSWORD}
    )

    assert blocked.status_code == 429
    assert blocked.json()["error"] == "too_many_attempts"
    assert 0 < blocked.json()["details"]["retry_after"] <= 15 * 60 + 1


async def test_failed_logins_are_throttled_per_address_across_accounts(
    apps, identity_settings, unique_email
):
    import httpx

    transport = httpx.ASGITransport(app=apps["identity"], client=("198.51.100.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://identity.test") as client:
        for i in range(identity_settings.login_failures_per_address):
            await client.post(
                "/v1/sessions", json={"email": f"{i}-{unique_email}", "password": "x"}
            )
        blocked = await client.post("/v1/sessions", json={"email": unique_email, "password": "x"})
    assert blocked.status_code == 429


async def refresh(identity, token: str):
    return await identity.post("/v1/sessions/refresh", json={"refresh_token": token})


async def test_refresh_rotates_and_a_reused_refresh_token_ends_every_session(
    identity, smtp, unique_email, identity_settings, monkeypatch
):
    # Past the grace window (none here), presenting a rotated token again means it leaked.
    monkeypatch.setattr(identity_settings, "refresh_reuse_grace_seconds", 0.0)
    await verified_account(identity, smtp, unique_email)
    first = await login(identity, unique_email)

    rotated = await refresh(identity, first["refresh_token"])
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != first["refresh_token"]
    reused = await refresh(identity, first["refresh_token"])
    assert reused.status_code == 401
    after_theft = await refresh(identity, rotated.json()["refresh_token"])
    assert after_theft.status_code == 401


async def test_a_token_reused_within_the_grace_window_gets_the_same_successor(
    identity, smtp, unique_email
):
    await verified_account(identity, smtp, unique_email)
    first = await login(identity, unique_email)

    rotated = await refresh(identity, first["refresh_token"])
    again = await refresh(identity, first["refresh_token"])
    assert rotated.status_code == again.status_code == 200
    successor = rotated.json()["refresh_token"]
    assert again.json()["refresh_token"] == successor
    assert (await identity.get("/v1/me", headers=bearer(again.json()))).status_code == 200
    # The session goes on: the successor rotates as usual, once.
    assert (await refresh(identity, successor)).status_code == 200


async def test_two_refreshes_at_the_same_moment_leave_the_session_alive(
    identity, smtp, unique_email
):
    import asyncio

    await verified_account(identity, smtp, unique_email)
    first = await login(identity, unique_email)

    answers = await asyncio.gather(*(refresh(identity, first["refresh_token"]) for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    successors = {a.json()["refresh_token"] for a in answers}
    assert len(successors) == 1
    assert (await refresh(identity, successors.pop())).status_code == 200


async def test_a_rotated_token_reused_after_a_logout_is_refused(identity, smtp, unique_email):
    await verified_account(identity, smtp, unique_email)
    first = await login(identity, unique_email)
    rotated = await refresh(identity, first["refresh_token"])
    logout = await identity.post("/v1/sessions/logout", headers=bearer(rotated.json()))
    assert logout.status_code == 204
    assert (await refresh(identity, first["refresh_token"])).status_code == 401


async def test_logout_revokes_the_access_token(identity, smtp, unique_email):
    await verified_account(identity, smtp, unique_email)
    tokens = await login(identity, unique_email)
    assert (await identity.post("/v1/sessions/logout", headers=bearer(tokens))).status_code == 204
    assert (await identity.get("/v1/me", headers=bearer(tokens))).status_code == 401
    refreshed = await identity.post(
        "/v1/sessions/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


async def test_forged_tokens_are_refused(identity, smtp, unique_email):
    await verified_account(identity, smtp, unique_email)
    tokens = await login(identity, unique_email)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    unsigned = jwt.encode(claims | {"role": "operator"}, key=None, algorithm="none")
    hs256 = jwt.encode(
        claims, key="public key as secret" * 2, algorithm="HS256", headers={"typ": "at+jwt"}
    )
    head, body, sig = tokens["access_token"].split(".")
    tampered = f"{head}.{body[:-4]}AAAA.{sig}"

    for forged in (unsigned, hs256, tampered, "not-a-token"):
        response = await identity.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, forged


async def test_password_reset_for_an_unknown_email_answers_like_a_known_one(
    identity, smtp, identity_app, unique_email
):
    from tests.support.service_rows import allow_next_email_now

    await verified_account(identity, smtp, unique_email)
    await allow_next_email_now(identity_app, unique_email)  # a minute after the signup's email
    known = await identity.post("/v1/password-resets", json={"email": unique_email})
    unknown = await identity.post("/v1/password-resets", json={"email": "ghost-" + unique_email})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


async def test_password_reset_sets_a_new_password_ends_sessions_and_notifies(
    identity, smtp, identity_app, unique_email
):
    from tests.support.service_rows import allow_next_email_now

    await verified_account(identity, smtp, unique_email)
    old_session = await login(identity, unique_email)
    await allow_next_email_now(identity_app, unique_email)
    await identity.post("/v1/password-resets", json={"email": unique_email})
    reset_mail = (await smtp.wait_for(unique_email, count=2))[-1]
    token = token_of(link_in(reset_mail))
    assert "/reinitialisation?token=" in link_in(reset_mail)
    new_password = "a brand new passphrase"
    body = {"token": token, "password": new_password, "password_confirmation": new_password}
    assert (await identity.post("/v1/password-resets/confirm", json=body)).status_code == 200

    assert (await identity.post("/v1/password-resets/confirm", json=body)).json()[
        "error"
    ] == "token_used"
    assert (await identity.get("/v1/me", headers=bearer(old_session))).status_code == 401
    old = await identity.post("/v1/sessions", json={"email": unique_email, "password": PASSWORD})
    assert old.status_code == 401
    await login(identity, unique_email, new_password)
    notice = (await smtp.wait_for(unique_email, count=3))[-1]
    assert "mot de passe" in notice.details.subject.lower()
    assert new_password not in notice.details.text


async def test_changing_the_password_asks_for_the_current_one(identity, smtp, unique_email):
    await verified_account(identity, smtp, unique_email)
    tokens = await login(identity, unique_email)
    new = "another strong passphrase"
    wrong = await identity.post(
        "/v1/me/password",
        headers=bearer(tokens),
        json={
            "current_password": "not it at all",
            "new_password": new,
            "new_password_confirmation": new,
        },
    )
    assert (wrong.status_code, wrong.json()["field"]) == (400, "current_password")

    changed = await identity.post(
        "/v1/me/password",
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": new, "new_password_confirmation": new},
    )
    assert changed.status_code == 200
    assert (await identity.get("/v1/me", headers=bearer(tokens))).status_code == 401
    assert (await identity.get("/v1/me", headers=bearer(changed.json()))).status_code == 200


async def test_jwks_publishes_the_verification_key(identity):
    keys = (await identity.get("/.well-known/jwks.json")).json()["keys"]
    assert keys and keys[0]["kty"] == "EC" and keys[0]["alg"] == "ES256" and "d" not in keys[0]


async def test_internal_endpoints_need_the_service_token(identity):
    response = await identity.post("/internal/v1/accounts/whatever/expire", json={})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_service_token"


async def test_services_find_an_account_by_email_with_the_service_token(
    identity, smtp, platform_settings, unique_email
):
    await verified_account(identity, smtp, unique_email)
    headers = {"X-Service-Token": platform_settings.service_token}

    found = await identity.get(
        "/internal/v1/accounts", params={"email": unique_email.upper()}, headers=headers
    )
    missing = await identity.get(
        "/internal/v1/accounts", params={"email": "ghost-" + unique_email}, headers=headers
    )
    anonymous = await identity.get("/internal/v1/accounts", params={"email": unique_email})

    assert found.status_code == 200 and found.json()["email"] == unique_email
    assert missing.status_code == 404
    assert anonymous.status_code == 401
