"""The hosted card page in Stripe mode (`HOSTED_CARD_PROCESSOR=stripe`): settings that refuse to
start incomplete, the page that loads Stripe.js and nothing else, its CSP, and the SetupIntent
endpoint (off-session usage, throttled) against the local server answering as Stripe's docs."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from servicekit.settings import PlatformSettings
from services.payments.hosted_card.config import HostedCardSettings
from services.payments.hosted_card.main import create_app
from tests.payments.processor.stripe_docs import SECRET_KEY, StripeDocs, stripe_docs_app
from tests.payments.processor.stripe_js import PUBLISHABLE_KEY
from tests.support.processes import ROOT, served

PORTAL = "http://localhost:8000"
JS = "https://js.stripe.com"


def stripe_settings(**values: object) -> HostedCardSettings:
    given: dict[str, object] = {
        "processor": "stripe",
        "stripe_publishable_key": PUBLISHABLE_KEY,
        "stripe_secret_key": SECRET_KEY,
    }
    return HostedCardSettings(_env_file=None, **(given | values))  # type: ignore[call-arg]


@pytest.fixture
def no_stripe_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAYMENTS_STRIPE_SECRET_KEY", "HOSTED_CARD_STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAYMENTS_STRIPE_SECRET_KEY", "")


@pytest.fixture
async def docs() -> AsyncIterator[tuple[StripeDocs, str]]:
    found = StripeDocs()
    async with served(stripe_docs_app(found)) as url:
        yield found, url


async def page_client(settings: HostedCardSettings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings, PlatformSettings(public_web_origin=PORTAL))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8005") as c:
            yield c


@pytest.fixture
async def hosted(docs: tuple[StripeDocs, str]) -> AsyncIterator[httpx.AsyncClient]:
    settings = stripe_settings(
        stripe_api_base=docs[1], stripe_js_url=f"{docs[1]}/v3/", tokens_per_address="3/minute"
    )
    async for client in page_client(settings):
        yield client


def refusal(error: ValidationError) -> str:
    return "; ".join(str(e["msg"]) for e in error.errors())


def test_stripe_mode_without_its_publishable_key_refuses_to_start(no_stripe_env: None) -> None:
    with pytest.raises(ValidationError) as missing:
        stripe_settings(stripe_publishable_key="")
    assert "HOSTED_CARD_STRIPE_PUBLISHABLE_KEY" in refusal(missing.value)
    # a secret key put in the publishable key's place is refused without being echoed
    with pytest.raises(ValidationError) as swapped:
        stripe_settings(stripe_publishable_key="sk_live_do_not_print_me")
    assert "HOSTED_CARD_STRIPE_PUBLISHABLE_KEY" in refusal(swapped.value)
    assert "do_not_print_me" not in str(swapped.value)


def test_stripe_mode_without_a_secret_key_or_with_plain_http_refuses(no_stripe_env: None) -> None:
    with pytest.raises(ValidationError) as missing:
        stripe_settings(stripe_secret_key="")
    assert "HOSTED_CARD_STRIPE_SECRET_KEY" in refusal(missing.value)
    with pytest.raises(ValidationError) as plain:
        stripe_settings(stripe_js_url="http://js.example.org/v3/")
    assert "HOSTED_CARD_STRIPE_JS_URL" in refusal(plain.value)
    # the sandbox needs none of it; a local stand-in of Stripe.js is accepted
    assert HostedCardSettings(_env_file=None).processor == "sandbox"  # type: ignore[call-arg]
    assert stripe_settings(stripe_js_url="http://127.0.0.1:9/v3/").processor == "stripe"


async def test_the_page_process_refuses_to_start_naming_the_variable(no_stripe_env: None) -> None:
    """`uvicorn --factory` as deployed: Stripe mode without its publishable key exits at start,
    its error naming HOSTED_CARD_STRIPE_PUBLISHABLE_KEY."""
    env = os.environ | {"HOSTED_CARD_PROCESSOR": "stripe", "HOSTED_CARD_STRIPE_SECRET_KEY": ""}
    env.pop("HOSTED_CARD_STRIPE_PUBLISHABLE_KEY", None)
    factory = "services.payments.hosted_card.main:create_app"
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "uvicorn", "--factory", factory, "--port", "0"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode != 0
    assert b"HOSTED_CARD_STRIPE_PUBLISHABLE_KEY" in output, output[-2000:]


def test_the_environment_chooses_stripe_and_names_what_is_missing(
    no_stripe_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTED_CARD_PROCESSOR", "stripe")
    with pytest.raises(ValidationError) as missing:
        HostedCardSettings(_env_file=None)  # type: ignore[call-arg]
    assert "HOSTED_CARD_STRIPE_PUBLISHABLE_KEY" in refusal(missing.value)
    monkeypatch.setenv("HOSTED_CARD_STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY)
    monkeypatch.setenv("PAYMENTS_STRIPE_SECRET_KEY", SECRET_KEY)  # the payments' key serves
    chosen = HostedCardSettings(_env_file=None)  # type: ignore[call-arg]
    assert chosen.effective_stripe_secret_key() == SECRET_KEY
    assert chosen.stripe_js_url == "https://js.stripe.com/v3/"


async def test_the_csp_allows_stripe_js_origin_and_nothing_more() -> None:
    async for page in page_client(stripe_settings()):
        answer = await page.get("/card")
        policy = answer.headers["content-security-policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert directives == {
        "default-src": "'self'",
        "script-src": f"'self' {JS}",
        "frame-src": f"{JS} https://hooks.stripe.com",
        "connect-src": "'self' https://api.stripe.com",
        "frame-ancestors": PORTAL,
        "base-uri": "'none'",
        "form-action": "'self'",
        "object-src": "'none'",
    }


async def test_the_page_loads_stripe_js_and_takes_no_card_itself(
    hosted: httpx.AsyncClient, docs: tuple[StripeDocs, str]
) -> None:
    french = await hosted.get("/card")
    assert french.status_code == 200 and '<html lang="fr">' in french.text
    for label in ("No. de carte", "Date d&#39;expiration", "CVV", "Saisie sécurisée"):
        assert label in french.text, label
    assert f'<script src="{docs[1]}/v3/"></script>' in french.text
    assert '<script src="/static/stripe_card.js"></script>' in french.text
    assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in french.text
    assert 'data-locale="fr-CA"' in french.text and f'data-parent-origin="{PORTAL}"' in french.text
    assert "<input" not in french.text and SECRET_KEY not in french.text
    english = await hosted.get("/card", params={"lang": "en"})
    assert 'data-locale="en"' in english.text and "Card number" in english.text
    # the sandbox's token endpoint is not there; the probes need no database
    assert (await hosted.post("/v1/single-use-tokens", json={})).status_code in (404, 405)
    # nor the sandbox issuer's 3-D Secure page: with Stripe, the issuer challenges on its own
    assert (await hosted.get("/3ds/ch_abc")).status_code == 404
    assert (await hosted.get("/readyz")).json() == {"status": "ok"}


async def test_a_setup_intent_for_off_session_use_only_its_secret_answered(
    hosted: httpx.AsyncClient, docs: tuple[StripeDocs, str]
) -> None:
    seen, _ = docs
    first = await hosted.post("/v1/setup-intents")
    second = await hosted.post("/v1/setup-intents")
    assert first.status_code == 201, first.text
    assert set(first.json()) == {"client_secret"}
    assert first.json()["client_secret"].startswith("seti_")
    made = seen.requests_to("/v1/setup_intents")
    off_session = {"usage": "off_session", "payment_method_types[0]": "card"}
    assert [m.form for m in made] == [off_session, off_session]
    assert first.json() != second.json()
    # throttled per address as the sandbox's tokens are (3 a minute here)
    assert (await hosted.post("/v1/setup-intents")).status_code == 201
    assert (await hosted.post("/v1/setup-intents")).status_code == 429


async def test_stripe_refusing_the_key_is_an_unavailable_processor(
    docs: tuple[StripeDocs, str],
) -> None:
    settings = stripe_settings(stripe_api_base=docs[1], stripe_secret_key="sk_test_wrong")
    async for page in page_client(settings):
        answer = await page.post("/v1/setup-intents")
    assert answer.status_code in (502, 503), answer.text
    assert "sk_test_wrong" not in answer.text


async def test_the_sandbox_page_has_no_setup_intents(docs: tuple[StripeDocs, str]) -> None:
    settings = HostedCardSettings(_env_file=None)  # type: ignore[call-arg]
    async for page in page_client(settings):
        assert (await page.post("/v1/setup-intents")).status_code in (404, 405)
        csp = (await page.get("/card")).headers["content-security-policy"]
    assert "stripe" not in csp and "script-src" not in csp
