"""A local HTTP server answering as Stripe's API reference shows (docs.stripe.com/api: the
PaymentIntent, Customer, PaymentMethod and Refund objects, the error object, idempotent
requests, the decline codes and test PaymentMethods of docs.stripe.com/testing).

Only what the adapter sends is served; the bodies keep the documented fields and status codes.
The behaviour of a PaymentIntent follows its PaymentMethod, as Stripe's test PaymentMethods do:

| PaymentMethod | answer |
|---|---|
| `pm_card_visa` | 200, `succeeded` |
| `pm_card_visa_chargeDeclinedInsufficientFunds` | 402 `card_error`, `card_declined` / `insufficient_funds` |
| `pm_card_chargeDeclinedStolenCard` | 402 `card_error`, `card_declined` / `stolen_card` |
| `pm_card_chargeDeclinedExpiredCard` | 402 `card_error`, `expired_card` |
| `pm_card_authenticationRequired` | on-session: 200 `requires_action` (3-D Secure redirect); off-session: 402 `authentication_required` |
| `pm_card_authenticationRequiredSlow` (ours) | as `pm_card_authenticationRequired`, but the answer waits until the test ends |
| `pm_card_timeout` (ours) | the charge is made and saved under its key, but the answer waits until the test ends |
| any other | 400 `invalid_request_error`, `resource_missing` |

A PaymentIntent is read (`GET /v1/payment_intents/{id}`, 404 `resource_missing` when unknown)
and canceled (`POST /v1/payment_intents/{id}/cancel`: from `requires_payment_method`,
`requires_capture`, `requires_confirmation`, `requires_action` or `processing`; otherwise 400
`payment_intent_unexpected_state`). `StripeDocs.authenticate` plays the payer answering the
issuer's 3-D Secure page: succeeded, or back to `requires_payment_method` with
`payment_intent_authentication_failure`.

PaymentMethods made in the browser (the stand-in Stripe.js of `stripe_js.py`, from a test card
number) behave as the table of `stripe_js.py` says.

Idempotency as documented: the first answer to a key is saved (status and body) and replayed
to a repeat with the same parameters (`Idempotent-Replayed: true`); a repeat with other
parameters gets 400 `idempotency_error`.
"""
# ruff: noqa: E501

import asyncio
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.payments.processor.stripe_js import browser_routes

SECRET_KEY = "sk_test_contract"
_BASE62 = string.ascii_letters + string.digits
CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_visa_chargeDeclinedInsufficientFunds": ("visa", "9995"),
    "pm_card_chargeDeclinedStolenCard": ("visa", "9979"),
    "pm_card_chargeDeclinedExpiredCard": ("visa", "0069"),
    "pm_card_authenticationRequired": ("visa", "3184"),
    "pm_card_timeout": ("visa", "4242"),
    "pm_card_authenticationRequiredSlow": ("visa", "3184"),
}
SLOW = ("pm_card_timeout", "pm_card_authenticationRequiredSlow")
CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)


def _id(prefix: str) -> str:
    """An object id as Stripe's look (base 62): hex ids, mostly digits, now and then held a
    Luhn-valid run that the card-number scans of the databases flagged (a flaky test)."""
    return prefix + "".join(secrets.choice(_BASE62) for _ in range(24))


@dataclass
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    form: dict[str, str]


@dataclass
class StripeDocs:
    """The server's state: saved idempotent answers, objects, and every request seen."""

    saved: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, str] = field(default_factory=dict)  # payment method -> customer
    # PaymentMethods and SetupIntents made from the browser (stripe_js.py)
    methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    setup_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    refund_status: str = "succeeded"  # `pending` when the issuer has not confirmed yet
    hold_refunds: bool = False  # refunds are made and saved, their answer waits (a timeout)

    def behaviour_of(self, method: str) -> str:
        """The test PaymentMethod a browser-made one behaves as (itself for the others)."""
        made = self.methods.get(method)
        return str(made["_behaves_as"]) if made else method

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path and s.method == "POST"]

    def authenticate(self, intent_id: str, succeeded: bool = True) -> dict[str, Any]:
        """The payer answers the issuer's 3-D Secure page of an intent in `requires_action`."""
        intent = self.intents[intent_id]
        assert intent["status"] == "requires_action", intent["status"]
        intent["next_action"] = None
        if succeeded:
            intent |= {
                "status": "succeeded",
                "amount_received": intent["amount"],
                "latest_charge": _id("ch_"),
            }
        else:
            intent |= {
                "status": "requires_payment_method",
                "last_payment_error": {
                    "code": "payment_intent_authentication_failure",
                    "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
                    "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                    "payment_method": {"id": intent["payment_method"], "object": "payment_method"},
                    "type": "card_error",
                },
            }
        return intent


def _error(status: int, **error: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": error}


def _card_error(
    intent: dict[str, Any], code: str, decline: str | None, message: str
) -> tuple[int, dict[str, Any]]:
    intent |= {"status": "requires_payment_method"}
    error = {
        "charge": _id("ch_"),
        "code": code,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "message": message,
        "payment_intent": intent,
        "payment_method": {
            "id": intent["payment_method"],
            "object": "payment_method",
            "type": "card",
        },
        "request_log_url": "https://dashboard.stripe.com/test/logs/req_contract",
        "type": "card_error",
    }
    if decline is not None:
        error["decline_code"] = decline
    intent["last_payment_error"] = {k: v for k, v in error.items() if k != "payment_intent"}
    return 402, {"error": error}


def _intent(form: dict[str, str]) -> dict[str, Any]:
    return {
        "id": _id("pi_"),
        "object": "payment_intent",
        "amount": int(form["amount"]),
        "amount_received": 0,
        "capture_method": "automatic",
        "client_secret": _id("pi_") + "_secret_" + secrets.token_hex(8),
        "confirmation_method": "automatic",
        "created": int(time.time()),
        "currency": form["currency"],
        "customer": form.get("customer"),
        "last_payment_error": None,
        "livemode": False,
        "metadata": {},
        "next_action": None,
        "payment_method": form["payment_method"],
        "payment_method_types": ["card"],
        "status": "requires_confirmation",
    }


def _create_intent(docs: StripeDocs, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    method = docs.behaviour_of(form["payment_method"])
    if method not in CARDS:
        return _error(
            400,
            code="resource_missing",
            doc_url="https://stripe.com/docs/error-codes/resource-missing",
            message=f"No such PaymentMethod: '{method}'",
            param="payment_method",
            type="invalid_request_error",
        )
    intent = _intent(form)
    docs.intents[intent["id"]] = intent
    off_session = form.get("off_session") == "true"
    if method == "pm_card_visa_chargeDeclinedInsufficientFunds":
        return _card_error(
            intent, "card_declined", "insufficient_funds", "Your card has insufficient funds."
        )
    if method == "pm_card_chargeDeclinedStolenCard":
        return _card_error(intent, "card_declined", "stolen_card", "Your card was declined.")
    if method == "pm_card_chargeDeclinedExpiredCard":
        return _card_error(intent, "expired_card", None, "Your card has expired.")
    if method in ("pm_card_authenticationRequired", "pm_card_authenticationRequiredSlow"):
        if off_session:
            return _card_error(
                intent,
                "authentication_required",
                "authentication_required",
                "Your card was declined. This transaction requires authentication.",
            )
        intent |= {
            "status": "requires_action",
            "next_action": {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "return_url": form.get("return_url"),
                    "url": f"https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_contract&payment_intent={intent['id']}",
                },
            },
        }
        return 200, intent
    intent |= {
        "status": "succeeded",
        "amount_received": intent["amount"],
        "latest_charge": _id("ch_"),
    }
    return 200, intent


def _missing_intent(intent_id: str) -> tuple[int, dict[str, Any]]:
    return _error(
        404,
        code="resource_missing",
        doc_url="https://stripe.com/docs/error-codes/resource-missing",
        message=f"No such payment_intent: '{intent_id}'",
        param="intent",
        type="invalid_request_error",
    )


def _cancel(docs: StripeDocs, intent_id: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    intent = docs.intents.get(intent_id)
    if intent is None:
        return _missing_intent(intent_id)
    if intent["status"] not in CANCELABLE:
        return _error(
            400,
            code="payment_intent_unexpected_state",
            doc_url="https://stripe.com/docs/error-codes/payment-intent-unexpected-state",
            message=f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}. Only a PaymentIntent with one of the following statuses may be canceled: {', '.join(CANCELABLE)}.",
            payment_intent=dict(intent),
            type="invalid_request_error",
        )
    intent |= {
        "status": "canceled",
        "canceled_at": int(time.time()),
        "cancellation_reason": form.get("cancellation_reason"),
        "next_action": None,
    }
    return 200, dict(intent)


def _refund(docs: StripeDocs, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    intent = docs.intents.get(form.get("payment_intent", ""))
    if intent is None:
        return _error(
            404,
            code="resource_missing",
            message=f"No such payment_intent: '{form.get('payment_intent')}'",
            param="payment_intent",
            type="invalid_request_error",
        )
    amount = int(form.get("amount", intent["amount_received"]))
    if amount > intent["amount_received"]:
        return _error(
            400,
            code="amount_too_large",
            message=f"Refund amount ({amount}) is greater than charge amount ({intent['amount_received']})",
            param="amount",
            type="invalid_request_error",
        )
    intent["amount_received"] -= amount
    return 200, {
        "id": _id("re_"),
        "object": "refund",
        "amount": amount,
        "charge": intent.get("latest_charge"),
        "created": int(time.time()),
        "currency": intent["currency"],
        "metadata": {},
        "payment_intent": intent["id"],
        "reason": None,
        "status": docs.refund_status,
    }


def _customer(form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    metadata = {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}
    return 200, {
        "id": _id("cus_"),
        "object": "customer",
        "created": int(time.time()),
        "livemode": False,
        "metadata": metadata,
    }


def _attach(docs: StripeDocs, method: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    made = docs.methods.get(method)
    if made is not None:
        docs.customers[method] = form["customer"]
        made["customer"] = form["customer"]
        return 200, {k: v for k, v in made.items() if not k.startswith("_")}
    if method not in CARDS:
        return _error(
            404,
            code="resource_missing",
            message=f"No such PaymentMethod: '{method}'",
            param="payment_method",
            type="invalid_request_error",
        )
    brand, last4 = CARDS[method]
    docs.customers[method] = form["customer"]
    return 200, {
        "id": method,
        "object": "payment_method",
        "card": {
            "brand": brand,
            "country": "US",
            "exp_month": 12,
            "exp_year": 2034,
            "funding": "credit",
            "last4": last4,
        },
        "created": int(time.time()),
        "customer": form["customer"],
        "livemode": False,
        "type": "card",
    }


def stripe_docs_app(docs: StripeDocs) -> FastAPI:
    app = FastAPI()
    app.include_router(browser_routes(docs, SECRET_KEY))

    async def idempotent(request: Request, make: Any) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        key = request.headers.get("Idempotency-Key")
        docs.seen.append(Seen("POST", request.url.path, key, form))
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            status, body = _error(
                401, message="Invalid API Key provided: sk_***", type="invalid_request_error"
            )
            return JSONResponse(body, status)
        if key is not None and key in docs.saved:
            first, status, body = docs.saved[key]
            if first != form:
                status, body = _error(
                    400,
                    message=f"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.",
                    type="idempotency_error",
                )
                return JSONResponse(body, status)
            return JSONResponse(body, status, headers={"Idempotent-Replayed": "true"})
        status, body = make(form)
        if key is not None:
            docs.saved[key] = (form, status, body)
        late = form.get("payment_method") in SLOW or (
            docs.hold_refunds and request.url.path == "/v1/refunds"
        )
        if late:  # made and saved; the answer never comes in time
            await docs.release.wait()
        return JSONResponse(body, status, headers={"Request-Id": _id("req_")})

    @app.post("/v1/customers")
    async def customers(request: Request) -> JSONResponse:
        return await idempotent(request, _customer)

    @app.post("/v1/payment_methods/{method}/attach")
    async def attach(method: str, request: Request) -> JSONResponse:
        return await idempotent(request, lambda form: _attach(docs, method, form))

    @app.post("/v1/payment_intents")
    async def payment_intents(request: Request) -> JSONResponse:
        return await idempotent(request, lambda form: _create_intent(docs, form))

    @app.get("/v1/payment_intents/{intent_id}")
    async def payment_intent(intent_id: str) -> JSONResponse:
        docs.seen.append(Seen("GET", f"/v1/payment_intents/{intent_id}", None, {}))
        if intent_id not in docs.intents:
            status, body = _missing_intent(intent_id)
            return JSONResponse(body, status)
        return JSONResponse(docs.intents[intent_id])

    @app.post("/v1/payment_intents/{intent_id}/cancel")
    async def cancel(intent_id: str, request: Request) -> JSONResponse:
        return await idempotent(request, lambda form: _cancel(docs, intent_id, form))

    @app.post("/v1/refunds")
    async def refunds(request: Request) -> JSONResponse:
        return await idempotent(request, lambda form: _refund(docs, form))

    return app
