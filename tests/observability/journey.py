"""A person's whole journey against the running processes, through the web where a person
uses the web (signup, verification link, the operator's decision) and through the services'
APIs for the rest. Each web request carries its own W3C trace id so the trace tests find it."""

import asyncio
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from tests.e2e.stack import Stack
from tests.e2e.test_subscription_journey import mail_search, run_module

PASSWORD = "une phrase de passe solide"
CARD_OFFERING = 7118  # Hôpital de Hull, evenings and weekends: card or PAD (seed)
VISA = "4242424242424242"


@dataclass(frozen=True)
class Person:
    """Personal data that must never reach a log line."""

    email: str
    first_name: str
    last_name: str
    phone: str
    plate: str
    card_number: str = VISA
    employee_number: str = "E-90417"

    @staticmethod
    def new() -> "Person":
        tag = uuid.uuid4().hex[:6]
        return Person(
            email=f"obs-{tag}@example.org",
            first_name="Gwenaëlle",
            last_name=f"Brassard{tag[:3].upper()}",
            phone="819 555-0188",
            plate=f"Q{secrets.token_hex(3).upper()}"[:7],
        )


@dataclass
class Journey:
    account_id: str = ""
    subscription_id: str = ""
    # Trace id (32 hex) of the web request that did each step.
    traces: dict[str, str] = field(default_factory=dict)


def remote(trace: str, span: str) -> NonRecordingSpan:
    """The caller's span, as a W3C traceparent names it."""
    flags = TraceFlags(TraceFlags.SAMPLED)
    return NonRecordingSpan(SpanContext(int(trace, 16), int(span, 16), True, flags))


class WebSession:
    """A browser without a browser: the session cookie kept by hand (it is `Secure`, which
    httpx's jar keeps off plain-HTTP localhost), redirects followed by hand."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30.0)
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, trace: str | None = None,
                      **kwargs: Any) -> httpx.Response:  # fmt: skip
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        token = None
        if trace:
            parent = secrets.token_hex(8)
            headers["traceparent"] = f"00-{trace}-{parent}-01"
            # When this process's httpx is instrumented (an in-process app of another test set
            # tracing up), it writes its own traceparent: make it a child of the chosen trace.
            token = otel_context.attach(otel_trace.set_span_in_context(remote(trace, parent)))
        try:
            response = await self.http.request(method, path, headers=headers, **kwargs)
        finally:
            if token is not None:
                otel_context.detach(token)
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";")[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if response.status_code in (302, 303) and "location" in response.headers:
            return await self.request("GET", response.headers["location"])
        return response

    async def form(self, page: str, action: str, data: dict[str, str],
                   trace: str | None = None) -> httpx.Response:  # fmt: skip
        """Load the page, then submit its form with the page's CSRF token (and hidden keys)."""
        html = (await self.request("GET", page)).text
        hidden = dict(re.findall(r'name="(csrf_token|idempotency_key)" value="([^"]+)"', html))
        return await self.request("POST", action, trace=trace, data={**hidden, **data})

    async def close(self) -> None:
        await self.http.aclose()


def new_trace() -> str:
    return secrets.token_hex(16)


async def run_journey(stack: Stack, person: Person) -> Journey:
    journey = Journey()
    web = WebSession(stack.url("web"))
    try:
        await _sign_up_and_verify(stack, web, person, journey)
        token = await _log_in(stack, person)
        journey.account_id = await _profile(stack, token, person)
        journey.subscription_id = await _request(stack, token, person)
        await _approve(stack, journey)
        await _wait_active(stack, token, journey.subscription_id)
    finally:
        await web.close()
    return journey


async def _sign_up_and_verify(
    stack: Stack, web: WebSession, person: Person, journey: Journey
) -> None:
    journey.traces["signup"] = new_trace()
    data = {"email": person.email, "password": PASSWORD, "password_confirmation": PASSWORD}
    answer = await web.form("/creer-un-compte", "/creer-un-compte", data, journey.traces["signup"])
    assert answer.status_code == 200, answer.text
    (message,) = await mail_search(stack, f"to:{person.email}")
    async with httpx.AsyncClient(base_url=stack.url("mail")) as mail:
        text = (await mail.get(f"/api/v1/message/{message['ID']}")).json()["Text"]
    link = re.search(r"/verification\?token=[\w-]+", text)
    assert link, text
    journey.traces["verification"] = new_trace()
    verified = await web.request("GET", link.group(0), trace=journey.traces["verification"])
    assert verified.status_code == 200, verified.text


async def _log_in(stack: Stack, person: Person) -> str:
    async with httpx.AsyncClient(base_url=stack.url("identity")) as identity:
        login = {"email": person.email, "password": PASSWORD}
        answer = await identity.post("/v1/sessions", json=login)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


async def _profile(stack: Stack, token: str, person: Person) -> str:
    profile = {
        "gender": "female",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "address_line1": "116 boul. Lionel-Émond",
        "city": "Gatineau",
        "province": "QC",
        "postal_code": "J8Y 1W7",
        "mobile_phone": person.phone,
        "language": "fr",
    }
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.url("identity"), headers=headers) as identity:
        saved = await identity.put("/v1/me/profile", json=profile)
        assert saved.status_code == 200, saved.text
        me = await identity.get("/v1/me")
        assert me.status_code == 200, me.text
        return str(me.json()["id"])


async def _request(stack: Stack, token: str, person: Person) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    typed = {"number": person.card_number, "exp_month": 12, "exp_year": date.today().year + 2}
    async with httpx.AsyncClient(base_url=stack.url("hosted_card")) as hosted:  # the card frame
        issued = await hosted.post("/v1/single-use-tokens", json=typed | {"cvv": "123"})
        assert issued.status_code == 201, issued.text
    async with httpx.AsyncClient(base_url=stack.url("payments"), headers=headers) as payments:
        card = {
            "holder_name": f"{person.first_name} {person.last_name}",
            "card_token": issued.json()["token"],
        }
        added = await payments.post("/v1/payment-methods/card", json=card)
        assert added.status_code == 201, added.text
        method_id = added.json()["id"]
    async with httpx.AsyncClient(base_url=stack.url("subscriptions"), headers=headers) as subs:
        vehicle = {"year": 2022, "make": "Honda", "model": "Civic", "color": "Bleu",
                   "plate": person.plate}  # fmt: skip
        vehicle_added = await subs.post("/v1/vehicles", json=vehicle)
        assert vehicle_added.status_code == 201, vehicle_added.text
        body = {
            "offering_id": CARD_OFFERING,
            "requested_start": datetime.now(ZoneInfo("America/Montreal")).date().isoformat(),
            "accept_terms": True,
            "understand_approval": True,
            "vehicle_ids": [vehicle_added.json()["id"]],
            "employee_number": person.employee_number,
            "payment_method_id": method_id,
        }
        created = await subs.post("/v1/subscriptions", json=body)
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


async def _approve(stack: Stack, journey: Journey) -> None:
    agent = f"obs-agent-{uuid.uuid4().hex[:8]}@example.org"
    await asyncio.to_thread(
        run_module, stack, "services.identity.cli", "create-operator", agent,
        extra_env={"OPERATOR_PASSWORD": PASSWORD},
    )  # fmt: skip
    console = WebSession(stack.url("web"))
    try:
        logged = await console.form(
            "/connexion", "/connexion", {"email": agent, "password": PASSWORD}
        )
        assert logged.status_code == 200, logged.text
        page = f"/console-operateur/demandes/{journey.subscription_id}"
        journey.traces["approval"] = new_trace()
        decided = await console.form(
            page, f"{page}/decision", {"decision": "approve"}, journey.traces["approval"]
        )
        assert decided.status_code == 200, decided.text
    finally:
        await console.close()


async def _wait_active(stack: Stack, token: str, subscription_id: str) -> None:
    """Until the subscription is active with its contract (issued after the first charge)."""
    url = f"{stack.url('subscriptions')}/v1/subscriptions/{subscription_id}"
    last: Any = None
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(300):
            last = (await http.get(url)).json()
            if last.get("status") == "active" and last.get("has_contract"):
                return
            await asyncio.sleep(0.2)
    raise AssertionError(f"not active with its contract: {last}")
