"""The session cookie and CSRF protection."""

import httpx
from fastapi import FastAPI

from tests.web.support import (
    PASSWORD,
    Account,
    api_routes,
    csrf,
    csrf_of,
    login,
    set_session_cookie,
)
from web.config import WebSettings
from web.session import Session, SessionCodec


async def test_cookie_is_host_prefixed_httponly_secure_samesite(client: httpx.AsyncClient) -> None:
    response = await client.get("/connexion")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = [a.strip() for a in cookie.split(";")[1:]]
    assert "HttpOnly" in attributes
    assert "Secure" in attributes
    assert "SameSite=Lax" in attributes
    assert "Path=/" in attributes
    assert not any(a.lower().startswith("domain") for a in attributes)


async def test_cookie_is_encrypted(
    client: httpx.AsyncClient, user: Account, web_settings: WebSettings
) -> None:
    await login(client, user.email)
    value = client.cookies["__Host-session"]
    assert user.email not in value and "csrf" not in value
    codec = SessionCodec(web_settings.session_secret, web_settings.session_idle_seconds)
    session = codec.loads(value)
    assert session is not None and session.signed_in
    assert SessionCodec("another-secret", 3600).loads(value) is None


async def test_forged_cookie_gives_an_anonymous_session(
    client: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    value = client.cookies["__Host-session"]
    set_session_cookie(client, value[:-6] + ("AAAAAA" if value[-6:] != "AAAAAA" else "BBBBBB"))
    response = await client.get("/tableau-de-bord")
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion"


async def test_plain_http_mode_drops_the_host_prefix() -> None:
    settings = WebSettings(cookie_secure=False)
    assert settings.effective_cookie_name == "session"


async def test_post_without_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/connexion")
    response = await client.post("/connexion", data={"email": "a@b.ca", "password": "x"})
    assert response.status_code == 403
    assert "Ce formulaire a expiré" in response.text
    assert response.headers["content-security-policy"]


async def test_post_with_another_sessions_token_is_refused(
    client: httpx.AsyncClient, web_app: FastAPI
) -> None:
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as other:
        foreign = await csrf(other)
    await client.get("/connexion")
    data = {"csrf_token": foreign, "email": "a@b.ca", "password": "x"}
    assert (await client.post("/connexion", data=data)).status_code == 403


async def test_every_form_post_checks_csrf(client: httpx.AsyncClient, web_app: FastAPI) -> None:
    posts = [
        route.path
        for route in api_routes(web_app)
        if "POST" in route.methods and not route.path.startswith("/codec")
    ]
    assert len(posts) >= 9
    await client.get("/connexion")
    for path in posts:
        response = await client.post(path, data={"csrf_token": "wrong"})
        assert response.status_code == 403, path


async def test_csrf_token_changes_at_login(client: httpx.AsyncClient, user: Account) -> None:
    before = await csrf(client)
    await client.post(
        "/connexion", data={"csrf_token": before, "email": user.email, "password": PASSWORD}
    )
    after = csrf_of((await client.get("/parametres")).text)
    assert after != before


async def test_session_holds_only_tokens_language_and_csrf(
    client: httpx.AsyncClient, user: Account, web_settings: WebSettings
) -> None:
    await login(client, user.email)
    codec = SessionCodec(web_settings.session_secret, web_settings.session_idle_seconds)
    session = codec.loads(client.cookies["__Host-session"])
    assert isinstance(session, Session)
    assert session.access_token and session.refresh_token and session.csrf_token
    assert session.language == "fr"
    assert [c.name for c in client.cookies.jar] == ["__Host-session"]
