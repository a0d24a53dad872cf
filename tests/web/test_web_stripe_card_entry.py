"""Step 5 in Chromium with Stripe as the processor: the portal (the real web app, over real HTTP)
frames the hosted card page in Stripe mode, whose Stripe.js (the local Stripe stand-in's,
tests/payments/processor/stripe_js.py) mounts the card element in a frame of Stripe's origin.
The card typed there, with 3-D Secure for 4000 0027 6000 3184, becomes a SetupIntent's
PaymentMethod `pm_...` that payments redeems (a Customer, the PaymentMethod attached); the
number travels to Stripe's origin only, never to the portal or the hosted page."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, Request, async_playwright, expect

from servicekit.settings import PlatformSettings
from services.payments.hosted_card.config import HostedCardSettings
from services.payments.hosted_card.main import create_app as hosted_card_app
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.payments.processor.stripe_docs import SECRET_KEY
from tests.payments.processor.stripe_js import PUBLISHABLE_KEY
from tests.payments.processor.stripe_support import Stripe, stripe_in
from tests.support.mail import free_port
from tests.support.processes import served
from tests.web.subscriptions_support import Catalog
from tests.web.support import Account
from tests.web.test_web_payments import STEP5, methods_of, to_step5, token_of
from web.config import WebSettings
from web.main import create_app as web_app_of

THREE_D_SECURE = "4000 0027 6000 3184"  # docs.stripe.com/testing: 3-D Secure asked every time


@dataclass
class Portal:
    """The running pieces: the web's and the hosted page's origins, the Stripe stand-in."""

    web: str
    hosted: str
    stripe: Stripe
    web_app: FastAPI
    sent: list[tuple[str, str]] = field(default_factory=list)  # (url, body) the browser sent

    def record(self, request: Request) -> None:
        self.sent.append((request.url, request.post_data or ""))

    def sent_to(self, origin: str) -> list[tuple[str, str]]:
        return [(url, body) for url, body in self.sent if url.startswith(origin + "/")]


@pytest.fixture
async def pay_api(
    apps: dict[str, FastAPI], platform_settings: PlatformSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """Payments' own API (in process), to read the account's payment methods."""
    transport = httpx.ASGITransport(app=apps["payments"])
    async with httpx.AsyncClient(transport=transport, base_url=platform_settings.payments_url) as c:
        yield c


@pytest.fixture
async def portal(
    apps: dict[str, FastAPI],
    platform_settings: PlatformSettings,
    web_settings: WebSettings,
    identity_http: httpx.AsyncClient,
    subscriptions_http: httpx.AsyncClient,
    payments_http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Portal]:
    """The session's payments charging through the Stripe stand-in, the hosted page in Stripe
    mode with its Stripe.js, and the web app framing it, each on its own port."""
    web_port, hosted_port = free_port(), free_port()
    web_origin, hosted_origin = f"http://localhost:{web_port}", f"http://127.0.0.1:{hosted_port}"
    platform = platform_settings.model_copy(
        update={"public_web_origin": web_origin, "hosted_card_origin": hosted_origin}
    )
    async with stripe_in(apps["payments"], monkeypatch) as stripe:
        settings = HostedCardSettings(
            _env_file=None,  # type: ignore[call-arg]
            processor="stripe",
            stripe_publishable_key=PUBLISHABLE_KEY,
            stripe_secret_key=SECRET_KEY,
            stripe_api_base=stripe.url,
            stripe_js_url=f"{stripe.url}/v3/",
            stripe_api_origin=stripe.url,
            stripe_challenge_origin=stripe.url,
        )
        hosted = hosted_card_app(settings, platform)
        web = web_app_of(
            # plain HTTP on localhost: the cookie without `Secure` (and so without `__Host-`)
            web_settings.model_copy(update={"platform": platform, "cookie_secure": False}),
            identity_client=identity_http,
            subscriptions_client=subscriptions_http,
            payments_client=payments_http,
        )
        async with hosted.router.lifespan_context(hosted), served(hosted, hosted_port):
            async with served(web, web_port):
                yield Portal(web_origin, hosted_origin, stripe, web)


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def logged_in_at_step5(
    portal: Portal, chromium: Browser, user: Account, catalog: Catalog
) -> Page:
    """Steps 1 to 4 through the web app (as its own tests walk them), then the browser holding
    that session on the portal's origin."""
    transport = httpx.ASGITransport(app=portal.web_app, client=("10.9.8.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        await to_step5(client, catalog, user)
        cookies = [{"name": c.name, "value": c.value or ""} for c in client.cookies.jar]
    context = await chromium.new_context(locale="fr-CA")
    await context.add_cookies([c | {"url": portal.web} for c in cookies])  # type: ignore[misc]
    page = await context.new_page()
    page.on("request", portal.record)
    await page.goto(portal.web + STEP5)
    return page


async def type_card(page: Page, number: str) -> None:
    """The holder on the portal's page; the card in Stripe's element, inside the hosted page."""
    await page.get_by_label("Nom du titulaire").fill("Marie Tremblay")
    element = page.frame_locator("iframe[data-hosted-card]").frame_locator(
        "iframe[name^=__privateStripeFrame]"
    )
    await element.get_by_label("Numéro de carte").fill(number)
    await element.get_by_label("MM / AA").fill("12 / 34")
    await element.get_by_label("CVC").fill("123")
    await page.get_by_label(re.compile("J'autorise la SPAQ à prélever")).check()


async def test_a_card_with_3d_secure_is_set_up_at_stripe_and_redeemed_by_payments(
    portal: Portal,
    chromium: Browser,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    page = await logged_in_at_step5(portal, chromium, user, catalog)
    await type_card(page, THREE_D_SECURE)
    await page.get_by_role("button", name="Soumettre").click()
    # the issuer's challenge opens over the card frame (Stripe.js's), then the next page
    challenge = page.frame_locator("iframe[data-hosted-card]").frame_locator(
        "iframe[name=stripe-challenge]"
    )
    async with page.expect_navigation(timeout=30_000):
        await challenge.get_by_role("button", name="Complete").click()
    details = page.get_by_role("region", name="Détails de l'abonnement")
    await expect(details.get_by_text("Carte de crédit Visa •••• 3184")).to_be_visible()

    docs = portal.stripe.docs
    [intent] = docs.setup_intents.values()
    assert (intent["usage"], intent["status"]) == ("off_session", "succeeded")
    [attached] = docs.requests_to(f"/v1/payment_methods/{intent['payment_method']}/attach")
    [method] = await methods_of(pay_api, await token_of(identity, user))
    assert (method["brand"], method["last4"]) == ("visa", "3184")
    assert docs.customers[intent["payment_method"]] == attached.form["customer"]
    # the holder typed on the portal's page went to Stripe as the billing name
    assert docs.methods[intent["payment_method"]]["billing_details"]["name"] == "Marie Tremblay"

    # the number went to Stripe's origin, and to nowhere of ours
    digits = THREE_D_SECURE.replace(" ", "")
    to_stripe = portal.sent_to(portal.stripe.url)
    assert any(digits in body for _, body in to_stripe)
    ours = portal.sent_to(portal.web) + portal.sent_to(portal.hosted)
    assert ours and any("card_token=pm_" in body for _, body in ours)
    for url, body in ours:
        assert digits not in body and digits not in url and THREE_D_SECURE not in body, url
    assert {urlsplit(url).netloc for url, _ in portal.sent} <= {
        urlsplit(o).netloc for o in (portal.web, portal.hosted, portal.stripe.url)
    }
    # what payments sent Stripe (the Customer, the attachment) names the method, not the card
    for seen in [*docs.requests_to("/v1/customers"), attached]:
        assert digits not in str(seen.form)


async def test_a_failed_authentication_is_said_in_french_then_enter_sends_another_card(
    portal: Portal,
    chromium: Browser,
    user: Account,
    catalog: Catalog,
    identity: httpx.AsyncClient,
    pay_api: httpx.AsyncClient,
) -> None:
    page = await logged_in_at_step5(portal, chromium, user, catalog)
    await type_card(page, THREE_D_SECURE)
    await page.get_by_role("button", name="Soumettre").click()
    hosted = page.frame_locator("iframe[data-hosted-card]")
    await (
        hosted.frame_locator("iframe[name=stripe-challenge]")
        .get_by_role("button", name="Fail")
        .click()
    )
    refused = "L'authentification de la carte par votre institution financière a échoué"
    await expect(hosted.get_by_role("alert").filter(has_text=refused)).to_be_visible()
    assert page.url == portal.web + STEP5  # nothing submitted
    assert await methods_of(pay_api, await token_of(identity, user)) == []

    # a card without 3-D Secure, sent with Enter in Stripe's element (the keyboard's way); the
    # page's label focuses the element, as a label focuses its field
    element = hosted.frame_locator("iframe[name^=__privateStripeFrame]")
    await hosted.get_by_text("No. de carte, Date d'expiration, CVV").click()
    await expect(element.get_by_label("Numéro de carte")).to_be_focused()
    await element.get_by_label("Numéro de carte").fill("4242 4242 4242 4242")
    async with page.expect_navigation(timeout=30_000):
        await element.get_by_label("CVC").press("Enter")
    [method] = await methods_of(pay_api, await token_of(identity, user))
    assert (method["brand"], method["last4"]) == ("visa", "4242")
    # the refused entry's SetupIntent was confirmed again, not a new one asked for
    [intent] = portal.stripe.docs.setup_intents.values()
    assert intent["status"] == "succeeded"
    assert intent["payment_method"] in portal.stripe.docs.customers  # the one redeemed
