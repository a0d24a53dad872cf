"""Helpers of the web tests: accounts opened at the real identity, forms, errors, the cookie."""

import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import jwt
from fastapi.routing import APIRoute

from tests.support.mail import SmtpServer, link_in
from web.config import WebSettings
from web.session import Session, SessionCodec

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Account:
    """An account identity holds, with the password it was opened with."""

    id: str
    email: str
    password: str = PASSWORD


def new_email(label: str = "web") -> str:
    """An address no other test uses."""
    return f"{label}-{uuid.uuid4().hex[:12]}@example.org"


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


async def sign_up(identity: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    """Open an account through identity's API (it emails the verification link)."""
    body = {"email": email, "password": password, "password_confirmation": password}
    response = await identity.post("/v1/accounts", json=body)
    assert response.status_code == 202, response.text


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


async def emailed_link(smtp: SmtpServer, email: str, count: int = 1) -> str:
    """The link in the `count`-th email to `email`, once it arrived."""
    return link_in((await smtp.wait_for(email, count))[count - 1])


async def emailed_token(smtp: SmtpServer, email: str, count: int = 1) -> str:
    """The token of the link in the `count`-th email to `email`, once it arrived."""
    return token_of(await emailed_link(smtp, email, count))


async def api_login(
    identity: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, Any]:
    """Identity's answer to a login through its API (another device than the browser)."""
    response = await identity.post("/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_account(
    identity: httpx.AsyncClient, smtp: SmtpServer, profile: dict[str, str] | None = None
) -> Account:
    """A verified account (signup, then the emailed link), with a profile when one is given."""
    email = new_email()
    await sign_up(identity, email)
    verified = await identity.post(
        "/v1/accounts/verification", json={"token": await emailed_token(smtp, email)}
    )
    assert verified.status_code == 200, verified.text
    tokens = await api_login(identity, email)
    if profile is not None:
        saved = await identity.put(
            "/v1/me/profile", json=profile, headers=bearer(tokens["access_token"])
        )
        assert saved.status_code == 200, saved.text
    return Account(id=tokens["account"]["id"], email=email)


async def me(identity: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    """What identity holds about the account, asked with a login of its own."""
    tokens = await api_login(identity, account.email, account.password)
    response = await identity.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def past_the_second_of(access_token: str) -> None:
    """Wait until the second after the token's `iat`: identity revokes in whole seconds."""
    issued = int(jwt.decode(access_token, options={"verify_signature": False})["iat"])
    await asyncio.sleep(max(0.0, issued + 1 - time.time()) + 0.01)


def sample_profile() -> dict[str, str]:
    """A profile identity accepts."""
    return {
        "gender": "female",
        "first_name": "Marie",
        "last_name": "Tremblay",
        "address_line1": "1000 rue Sherbrooke",
        "city": "Montréal",
        "province": "QC",
        "postal_code": "H3A 1A1",
        "mobile_phone": "+15145551234",
        "language": "fr",
    }


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def csrf(client: httpx.AsyncClient, path: str = "/connexion") -> str:
    """Load a page and return its CSRF token."""
    return csrf_of((await client.get(path)).text)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Submit the login form."""
    token = await csrf(client)
    data = {"csrf_token": token, "email": email, "password": password}
    return await client.post("/connexion", data=data)


def field_block(html: str, name: str) -> str:
    """The markup of one form field (label, input, hint and error)."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, flags=re.DOTALL):
        if f'id="f-{name}"' in block:
            return str(block)
    raise AssertionError(f"no field {name}")


def field_error(html: str, name: str) -> str | None:
    """The error shown under a field, if any."""
    match = re.search(r'class="field-error" id="f-[\w-]+-error">([^<]*)<', field_block(html, name))
    return match.group(1) if match else None


COOKIE = "__Host-session"
COOKIE_DOMAIN = "testserver.local"  # how the cookie jar files a dotless host


def set_session_cookie(client: httpx.AsyncClient, value: str) -> None:
    """Replace the browser's session cookie (as an attacker or a test would)."""
    client.cookies.clear()
    client.cookies.set(COOKIE, value, domain=COOKIE_DOMAIN, path="/")


def _codec(web_settings: WebSettings) -> SessionCodec:
    return SessionCodec(web_settings.session_secret, web_settings.session_idle_seconds)


def session_of(client: httpx.AsyncClient, web_settings: WebSettings) -> Session:
    """The session the browser's cookie holds, decrypted with the web app's secret."""
    session = _codec(web_settings).loads(client.cookies[COOKIE])
    assert session is not None, "the cookie does not hold a session"
    return session


def put_session(client: httpx.AsyncClient, web_settings: WebSettings, session: Session) -> None:
    """Write a changed session back into the browser's cookie."""
    set_session_cookie(client, _codec(web_settings).dumps(session))


def api_routes(app: Any) -> list[APIRoute]:
    """Every API route of the app, including those of included routers."""
    found: list[APIRoute] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append(route)
        for sub in getattr(getattr(route, "original_router", None), "routes", []):
            if isinstance(sub, APIRoute):
                found.append(sub)
    return found


async def hosted_card_token(
    browser: httpx.AsyncClient, number: str = "4242424242424242", **expiry: int
) -> str:
    """What the hosted card page hands the page for `number`: a single-use token, issued on the
    payments database of the web app `browser` talks to (its real payments app)."""
    from tests.payments.factories import card_token

    web_app = browser._transport.app  # type: ignore[attr-defined]
    return await card_token(web_app.state.payments.http, number, **expiry)
