"""Small factories for the identity tests."""

from urllib.parse import parse_qs, urlparse

import httpx

from tests.support.mail import SmtpServer, link_in

PASSWORD = "correct horse battery"
PROFILE = {
    "gender": "female",
    "first_name": "Léa",
    "last_name": "Tremblay",
    "address_line1": "116 boul. Lionel-Émond",
    "apartment": "4",
    "city": "Gatineau",
    "province": "qc",
    "postal_code": "j8y1w7",
    "mobile_phone": "(819) 555-0142",
    "language": "fr",
}


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


async def sign_up(identity: httpx.AsyncClient, email: str, language: str = "fr") -> None:
    body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
    response = await identity.post("/v1/accounts", json=body | {"language": language})
    assert response.status_code == 202, response.text


async def verified_account(identity: httpx.AsyncClient, smtp: SmtpServer, email: str) -> str:
    """Sign up, follow the emailed link; returns the verification link used."""
    await sign_up(identity, email)
    link = link_in((await smtp.wait_for(email))[-1])
    response = await identity.post("/v1/accounts/verification", json={"token": token_of(link)})
    assert response.status_code == 200, response.text
    return link


async def login(identity: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict:
    response = await identity.post("/v1/sessions", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
