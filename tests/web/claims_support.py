"""Helpers of the claim-notice page tests: an operator's browser issuing notices through the
console's own pages, and a payer's steps (find the notice, pay it by card)."""

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI

from tests.web.subscriptions_support import text_of, today
from tests.web.support import Account, csrf, hosted_card_token, login

CLAIMS = "/payer-un-avis-de-reclamation"
OPERATOR_CLAIMS = "/console-operateur/avis-de-reclamation"
VISA = "4242424242424242"
DECLINED = "4000000000000341"


def new_number() -> str:
    """A notice number no other test uses."""
    return f"AR-{uuid.uuid4().hex[:10].upper()}"


def new_plate() -> str:
    """A plate no other test uses (7 letters and digits)."""
    return f"Q{uuid.uuid4().hex[:6].upper()}"


@asynccontextmanager
async def browser(web_app: FastAPI, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser, with its own address."""
    transport = httpx.ASGITransport(app=web_app, client=(ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


@asynccontextmanager
async def operator_browser(web_app: FastAPI, agent: Account) -> AsyncIterator[httpx.AsyncClient]:
    """An operator's browser, signed in."""
    ip = f"10.252.{uuid.uuid4().bytes[0]}.{uuid.uuid4().bytes[0]}"
    async with browser(web_app, ip) as console:
        await login(console, agent.email)
        yield console


def first_site_id(page: str) -> str:
    """The first site offered by the notice form."""
    match = re.search(r'<select id="f-site_id".*?<option value="(\d+)"', page, flags=re.DOTALL)
    assert match, page[-2000:]
    return match.group(1)


async def issue_notice(
    console: httpx.AsyncClient, number: str, plate: str, amount: str = "45,00"
) -> httpx.Response:
    """The operator issues a notice through the console's form."""
    page = (await console.get(OPERATOR_CLAIMS)).text
    data = {
        "csrf_token": await csrf(console, OPERATOR_CLAIMS),
        "number": number,
        "plate": plate,
        "site_id": first_site_id(page),
        "issued_on": today().isoformat(),
        "amount": amount,
        "due_on": (today() + timedelta(days=30)).isoformat(),
    }
    return await console.post(OPERATOR_CLAIMS, data=data)


async def find_notice(client: httpx.AsyncClient, number: str, plate: str) -> httpx.Response:
    """ "Numéro de l'avis" and "Numéro d'immatriculation", then "Continuer"."""
    data = {"csrf_token": await csrf(client, CLAIMS), "number": number, "plate": plate}
    return await client.post(CLAIMS, data=data)


async def pay_notice(
    client: httpx.AsyncClient, number: str, plate: str, card: str = VISA, **extra: str
) -> httpx.Response:
    """The card form of a notice, submitted: the card typed in the hosted card page, which
    handed the page its single-use token."""
    data = {
        "csrf_token": await csrf(client, CLAIMS),
        "number": number,
        "plate": plate,
        "holder_name": "Marie Tremblay",
        "card_token": await hosted_card_token(client, card),
        **extra,
    }
    return await client.post(f"{CLAIMS}/paiement", data=data)


def page_text(response: httpx.Response) -> str:
    return text_of(response.text)
