"""The browser side of the local Stripe stand-in: a small Stripe.js (fake_stripe_js/stripe.js),
its card element frame and a 3-D Secure challenge page, and the endpoints they call with the
publishable key, answering as docs.stripe.com/api documents PaymentMethods and SetupIntents.

Test numbers behave as docs.stripe.com/testing lists them:

| number | brand | at setup | later charges behave as |
|---|---|---|---|
| 4242 4242 4242 4242 | visa | succeeded | `pm_card_visa` |
| 5555 5555 5555 4444 | mastercard | succeeded | `pm_card_visa` |
| 4000 0025 0000 3155 | visa | 3-D Secure | `pm_card_visa` (set up for off-session use) |
| 4000 0027 6000 3184 | visa | 3-D Secure | `pm_card_authenticationRequired` (always asks) |
| 4000 0000 0000 9995 | visa | succeeded | `pm_card_visa_chargeDeclinedInsufficientFunds` |
| 4000 0000 0000 0002 | visa | 402 `card_declined` | |
| any other | | 402 `card_declined` (a real card in test mode) | |
"""
# ruff: noqa: E501

import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

if TYPE_CHECKING:
    from tests.payments.processor.stripe_docs import StripeDocs

PUBLISHABLE_KEY = "pk_test_contract"
FILES = Path(__file__).parent / "fake_stripe_js"
# number -> (brand, what later charges behave as, 3-D Secure at setup)
TEST_NUMBERS: dict[str, tuple[str, str, bool]] = {
    "4242424242424242": ("visa", "pm_card_visa", False),
    "5555555555554444": ("mastercard", "pm_card_visa", False),
    "4000002500003155": ("visa", "pm_card_visa", True),
    "4000002760003184": ("visa", "pm_card_authenticationRequired", True),
    "4000000000009995": ("visa", "pm_card_visa_chargeDeclinedInsufficientFunds", False),
}
DECLINED = "4000000000000002"
AUTHENTICATION_FAILED = {
    "code": "setup_intent_authentication_failure",
    "doc_url": "https://stripe.com/docs/error-codes/setup-intent-authentication-failure",
    "message": "We are unable to authenticate your payment method. Please choose a different payment method and try again.",
    "type": "invalid_request_error",
}


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def _declined(number: str) -> dict[str, Any]:
    message = "Your card was declined."
    if number != DECLINED:
        message += " Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing."
    return {
        "code": "card_declined",
        "decline_code": "generic_decline",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": message,
        "type": "card_error",
    }


def _unnested(form: dict[str, str], prefix: str) -> dict[str, str]:
    """`payment_method_data[card][number]` as `card[number]` (a confirm's inline method)."""
    if not prefix:
        return form
    start = f"{prefix}["
    return {k[len(start) :].replace("]", "", 1): v for k, v in form.items() if k.startswith(start)}


def _method(form: dict[str, str]) -> dict[str, Any]:
    number = form["card[number]"]
    brand = TEST_NUMBERS.get(number, ("visa",))[0]
    return {
        "id": _id("pm_"),
        "object": "payment_method",
        "billing_details": {"name": form.get("billing_details[name]")},
        "card": {
            "brand": brand,
            "country": "US",
            "exp_month": int(form["card[exp_month]"]),
            "exp_year": int(form["card[exp_year]"]),
            "funding": "credit",
            "last4": number[-4:],
        },
        "created": int(time.time()),
        "customer": None,
        "livemode": False,
        "type": "card",
    }


def _publishable(form: dict[str, str]) -> JSONResponse | None:
    if form.get("key") == PUBLISHABLE_KEY:
        return None
    error = {"message": "Invalid API Key provided: pk_***", "type": "invalid_request_error"}
    return JSONResponse({"error": error}, 401)


def browser_routes(docs: "StripeDocs", secret_key: str) -> APIRouter:
    router = APIRouter()

    async def received(request: Request) -> dict[str, str]:
        form = {k: str(v) for k, v in (await request.form()).items()}
        docs.seen.append(_seen(request.url.path, form))
        return form

    def keep(form: dict[str, str], prefix: str = "") -> dict[str, Any]:
        fields = _unnested(form, prefix)
        method = _method(fields)
        behaves_as = TEST_NUMBERS[fields["card[number]"]][1]
        docs.methods[method["id"]] = method | {"_behaves_as": behaves_as}
        return method

    @router.get("/v3/")
    async def stripe_js() -> FileResponse:
        return FileResponse(FILES / "stripe.js", media_type="application/javascript")

    @router.get("/v3/elements/card")
    async def card_frame() -> FileResponse:
        return FileResponse(FILES / "card.html", media_type="text/html")

    @router.get("/3ds/challenge")
    async def challenge() -> FileResponse:
        return FileResponse(FILES / "challenge.html", media_type="text/html")

    @router.post("/v1/payment_methods")
    async def payment_methods(request: Request) -> JSONResponse:
        form = await received(request)
        if (refused := _publishable(form)) is not None:
            return refused
        number = form["card[number]"]
        if number not in TEST_NUMBERS:
            return JSONResponse({"error": _declined(number)}, 402)
        method = keep(form)
        return JSONResponse(method)

    @router.post("/v1/setup_intents")
    async def create_setup_intent(request: Request) -> JSONResponse:
        form = await received(request)
        if request.headers.get("Authorization") != f"Bearer {secret_key}":
            error = {"message": "Invalid API Key provided: sk_***", "type": "invalid_request_error"}
            return JSONResponse({"error": error}, 401)
        intent = _setup_intent(form)
        docs.setup_intents[intent["id"]] = intent
        return JSONResponse(intent)

    @router.post("/v1/setup_intents/{intent_id}/confirm")
    async def confirm(intent_id: str, request: Request) -> JSONResponse:
        form = await received(request)
        intent = docs.setup_intents.get(intent_id)
        if (refused := _publishable(form)) is not None:
            return refused
        if intent is None or form.get("client_secret") != intent["client_secret"]:
            return _missing(intent_id)
        number = form["payment_method_data[card][number]"]
        if number not in TEST_NUMBERS:
            intent["last_setup_error"] = _declined(number)
            return JSONResponse({"error": _declined(number) | {"setup_intent": intent}}, 402)
        method = keep(form, "payment_method_data")
        intent |= {"payment_method": method["id"], "last_setup_error": None}
        if TEST_NUMBERS[number][2]:
            intent |= {
                "status": "requires_action",
                "next_action": {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect"},
                },
            }
        else:
            intent["status"] = "succeeded"
        return JSONResponse(intent)

    @router.get("/v1/setup_intents/{intent_id}")
    async def retrieve(intent_id: str, client_secret: str = "", key: str = "") -> JSONResponse:
        docs.seen.append(_seen(f"/v1/setup_intents/{intent_id}", {}, "GET"))
        intent = docs.setup_intents.get(intent_id)
        if key != PUBLISHABLE_KEY or intent is None or client_secret != intent["client_secret"]:
            return _missing(intent_id)
        return JSONResponse(intent)

    @router.post("/3ds/complete")
    async def authenticated(request: Request) -> JSONResponse:
        form = await received(request)
        intent = docs.setup_intents[form["setup_intent"]]
        intent["next_action"] = None
        if form["outcome"] == "complete":
            intent["status"] = "succeeded"
        else:
            intent |= {
                "status": "requires_payment_method",
                "payment_method": None,
                "last_setup_error": AUTHENTICATION_FAILED,
            }
        return JSONResponse({"status": intent["status"]})

    return router


def _setup_intent(form: dict[str, str]) -> dict[str, Any]:
    intent_id = _id("seti_")
    return {
        "id": intent_id,
        "object": "setup_intent",
        "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
        "created": int(time.time()),
        "customer": form.get("customer"),
        "last_setup_error": None,
        "livemode": False,
        "next_action": None,
        "payment_method": None,
        "payment_method_types": ["card"],
        "status": "requires_payment_method",
        "usage": form.get("usage", "off_session"),
    }


def _missing(intent_id: str) -> JSONResponse:
    error = {
        "code": "resource_missing",
        "message": f"No such setupintent: '{intent_id}'",
        "param": "intent",
        "type": "invalid_request_error",
    }
    return JSONResponse({"error": error}, 404)


def _seen(path: str, form: dict[str, str], method: str = "POST") -> Any:
    from tests.payments.processor.stripe_docs import Seen

    return Seen(method, path, None, form)
