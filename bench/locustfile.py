"""The user mix of bench/load_mix.py, run by locust at a fixed arrival rate (open loop).

locust's own users are a closed loop: each waits for its answer before its next request, so a
slow server is sent less work and its queueing never shows (coordinated omission). Here one
locust user is only a clock: every 1/rate seconds (exponential gaps: Poisson arrivals) it starts
one visit in a greenlet of its own and never waits for it, so visits arrive at the rate whatever
the answers take. A visit is drawn from MIX and acts as one of the prepared users (a population
of `--users` verified accounts), except sign-ups, which are new people.

Read by locust with LOAD_MIX_STATE (a JSON file bench/load_mix.py writes) and LOAD_MIX_RATE
(visits per second). Every request is named by its route; locust counts a failure for a
transport error or an unexpected status.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from datetime import date
from typing import Any

import gevent
import requests
from locust import User, events, task
from locust.clients import HttpSession
from urllib3 import PoolManager

STATE: dict[str, Any] = json.loads(open(os.environ["LOAD_MIX_STATE"]).read())
RATE = float(os.environ["LOAD_MIX_RATE"])
PASSWORD = STATE["password"]
MAX_IN_FLIGHT = 3000  # past this the stack is hopelessly behind: arrivals are counted as lost
# Visits and their share of arrivals: mostly reading, a few sign-ups that go on to subscribe.
MIX = (("browse", 30), ("dashboard", 27), ("plate_check", 25), ("login", 10), ("signup", 8))
PUBLIC_PAGES = ("/", "/faq", "/connexion", "/creer-un-compte")
VEHICLE = {"year": 2021, "make": "Toyota", "model": "Corolla", "color": "Gris"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Visits:
    """The visits of the mix, each a short sequence of named requests."""

    def __init__(self, session: HttpSession) -> None:
        self.http = session
        self.urls = STATE["urls"]
        self.operator_token = ""
        self.operator_since = 0.0
        self.rng = random.Random()

    def operator_auth(self) -> dict[str, str]:
        """The operator's access token, logged in again every 5 minutes (it lasts longer)."""
        if time.monotonic() - self.operator_since > 300:
            answer = requests.post(
                self.urls["identity"] + "/v1/sessions",
                json={"email": STATE["operator"], "password": PASSWORD},
                timeout=30,
            )
            answer.raise_for_status()
            self.operator_token = answer.json()["access_token"]
            self.operator_since = time.monotonic()
        return bearer(self.operator_token)

    def call(self, method: str, url: str, name: str, expect: int = 200, **kw: Any) -> Any:
        with self.http.request(method, url, name=name, catch_response=True, **kw) as answer:
            if answer.status_code != expect:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return None
            answer.success()
            return answer

    def browse(self) -> None:
        for page in self.rng.sample(PUBLIC_PAGES, 2):
            self.call("GET", self.urls["web"] + page, f"GET {page} (public)")

    def dashboard(self) -> None:
        user = self.rng.choice(STATE["users"])
        cookies = {"session": user["cookie"]}
        for page in ("/tableau-de-bord", "/mon-abonnement"):
            self.call("GET", self.urls["web"] + page, f"GET {page}", cookies=cookies)

    def plate_check(self) -> None:
        params = {"site_id": STATE["plate_site"], "plate": self.rng.choice(STATE["plates"])}
        headers = {"X-Service-Token": STATE["service_token"]}
        url = self.urls["subscriptions"] + "/v1/plate-check"
        self.call("GET", url, "GET /v1/plate-check", params=params, headers=headers)

    def login(self) -> None:
        user = self.rng.choice(STATE["users"])
        body = {"email": user["email"], "password": PASSWORD}
        self.call("POST", self.urls["identity"] + "/v1/sessions", "POST /v1/sessions", json=body)

    def signup(self) -> None:
        """A new person: signs up, follows the emailed link, logs in, fills in the profile,
        adds a vehicle and asks for a subscription; the operator approves it."""
        email = f"mix-{uuid.uuid4().hex[:12]}@example.org"
        body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
        identity = self.urls["identity"]
        if not self.call("POST", identity + "/v1/accounts", "POST /v1/accounts", 202, json=body):
            return
        token = self.verification_token(email)
        if token is None:
            events.request.fire(
                request_type="MAIL",
                name="verification email",
                response_time=60_000,
                response_length=0,
                exception=TimeoutError(f"no email to {email} in 60 s"),
            )
            return
        verify = {"token": token}
        path = "/v1/accounts/verification"
        if not self.call("POST", identity + path, f"POST {path}", json=verify):
            return
        answer = self.call(
            "POST",
            identity + "/v1/sessions",
            "POST /v1/sessions",
            json={"email": email, "password": PASSWORD},
        )
        if answer is None:
            return
        auth = bearer(answer.json()["access_token"])
        profile = self.call(
            "PUT",
            identity + "/v1/me/profile",
            "PUT /v1/me/profile",
            json=STATE["profile"],
            headers=auth,
        )
        if profile is not None:
            self.subscribe(auth)

    def subscribe(self, auth: dict[str, str]) -> None:
        base = self.urls["subscriptions"]
        vehicle = VEHICLE | {"plate": f"M{uuid.uuid4().hex[:6].upper()}"}
        added = self.call(
            "POST", base + "/v1/vehicles", "POST /v1/vehicles", 201, json=vehicle, headers=auth
        )
        if added is None:
            return
        body = {
            "offering_id": STATE["offering"],
            "requested_start": date.today().isoformat(),
            "accept_terms": True,
            "understand_approval": True,
            "vehicle_ids": [added.json()["id"]],
            "employee_number": "E-48213",
        }
        created = self.call(
            "POST",
            base + "/v1/subscriptions",
            "POST /v1/subscriptions",
            201,
            json=body,
            headers=auth,
        )
        if created is not None:
            gevent.sleep(1.0)  # the operator reads the request before deciding
            self.approve(created.json()["id"])

    def approve(self, subscription_id: str) -> None:
        url = f"{self.urls['subscriptions']}/v1/operator/subscriptions/{subscription_id}/decision"
        body = {"decision": "approve", "idempotency_key": uuid.uuid4().hex}
        name = "POST /v1/operator/subscriptions/{id}/decision"
        self.call("POST", url, name, json=body, headers=self.operator_auth())

    def verification_token(self, email: str) -> str | None:
        """The link's token from the catcher (not counted: the person reading their mail)."""
        search = self.urls["mail"] + "/api/v1/search"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = requests.get(search, params={"query": f"to:{email}"}, timeout=10).json()
            if found["messages"]:
                message = found["messages"][0]["ID"]
                text = requests.get(
                    f"{self.urls['mail']}/api/v1/message/{message}", timeout=10
                ).json()["Text"]
                match = re.search(r"token=([\w-]+)", text)
                return match.group(1) if match else None
            gevent.sleep(0.25)
        return None


class Arrivals(User):
    """The clock of the open loop (run with exactly one locust user)."""

    host = STATE["urls"]["web"]

    def on_start(self) -> None:
        pool = PoolManager(maxsize=200, block=False)
        self.session = HttpSession(
            base_url=self.host,
            request_event=self.environment.events.request,
            user=self,
            pool_manager=pool,
        )
        # Every request on a connection of its own: each visit is a different person, and no
        # request can race the server closing an idle kept-alive connection (uvicorn: after
        # 5 s), which a first run showed as a few "status 0" POSTs after the wait for an email.
        self.session.headers["Connection"] = "close"
        self.visits = Visits(self.session)
        self.visits.operator_auth()
        self.in_flight = 0

    @task
    def arrive(self) -> None:
        names = [name for name, _ in MIX]
        weights = [weight for _, weight in MIX]
        rng = random.Random()
        next_at = time.monotonic()
        while True:
            next_at += rng.expovariate(RATE)
            gevent.sleep(max(0.0, next_at - time.monotonic()))
            if self.in_flight >= MAX_IN_FLIGHT:
                events.request.fire(
                    request_type="VISIT",
                    name="arrival dropped",
                    response_time=0,
                    response_length=0,
                    exception=RuntimeError("too many visits in flight"),
                )
                continue
            gevent.spawn(self.visit, rng.choices(names, weights)[0])

    def visit(self, name: str) -> None:
        self.in_flight += 1
        try:
            getattr(self.visits, name)()
        except Exception as exc:  # counted as an error of the visit, the clock goes on
            events.request.fire(
                request_type="VISIT",
                name=name,
                response_time=0,
                response_length=0,
                exception=exc,
            )
        finally:
            self.in_flight -= 1
