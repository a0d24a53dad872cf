"""Simulated users for the topology: each one signed in, browsing its pages through nginx in a
loop, while cameras ask the plate check; sign-ups run alongside. Every answer is recorded, so a
test (or bench/topology.py) can count what the users saw while replicas died or restarted."""

import asyncio
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from servicekit.clock import today as montreal_today
from web.config import DEV_SESSION_SECRET
from web.session import Session, SessionCodec

PASSWORD = "une phrase de passe solide"
PAGES = ("/tableau-de-bord", "/mon-abonnement", "/mon-abonnement/factures")
PLATE_SITE = 1535  # the seed's licence-plate site
DAS_OFFERING = 7117  # the seed's « 1461 - Hôpital de Hull - Employé CISSSO », payroll deduction
# A person reads a page before the next; a camera sees a car every so often.
THINK_SECONDS = 0.3
CAMERA_SECONDS = 0.05


class Reachable(Protocol):
    def url(self, name: str) -> str: ...


@dataclass
class Outcome:
    """One request a simulated user made: when, what, and what it got."""

    at: float
    method: str
    path: str
    status: int  # 0: no answer at all (connection refused or reset)
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


@dataclass
class Account:
    email: str
    id: str = ""
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class Load:
    """Users browsing until `stop`; `outcomes` holds every answer, `signups` every sign-up."""

    topology: Reachable
    accounts: list[Account]
    service_token: str
    outcomes: list[Outcome] = field(default_factory=list)
    signups: dict[str, int] = field(default_factory=dict)  # email -> status
    resent: int = 0  # GETs sent again after the server closed a kept-alive connection
    # Accounts that each ask for a subscription during the run, approved by `operator`.
    subscribers: list[Account] = field(default_factory=list)
    operator: dict[str, str] = field(default_factory=dict)
    subscribed: dict[str, Account] = field(default_factory=dict)  # subscription id -> account
    running: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, signups_every: float | None = 0.5) -> None:
        """Browse until `stop()`; with `signups_every`, one new account that often."""
        self.running.set()
        tasks = [self._browse(a) for a in self.accounts]
        tasks.append(self._cameras())
        if signups_every:
            tasks.append(self._sign_up(signups_every))
        if self.subscribers:
            tasks.append(self._subscribe_all())
        await asyncio.gather(*tasks)

    def stop(self) -> None:
        self.running.clear()

    def failures(self, since: float = 0.0, until: float = float("inf")) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed and since <= o.at < until]

    def by_method(self, outcomes: list[Outcome]) -> Counter[str]:
        return Counter(o.method for o in outcomes)

    async def _request(self, http: httpx.AsyncClient, method: str, url: str, **kw: object) -> int:
        path = httpx.URL(url).path
        error = ""
        try:
            response = await self._send(http, method, url, **kw)
            status = response.status_code
        except httpx.TransportError as exc:
            status, error = 0, type(exc).__name__
        self.outcomes.append(Outcome(time.monotonic(), method, path, status, error))
        return status

    async def _send(
        self, http: httpx.AsyncClient, method: str, url: str, **kw: object
    ) -> httpx.Response:
        # A server may close an idle keep-alive connection just as the next request goes out on
        # it (nginx does on reload). Browsers then send an idempotent request again on a new
        # connection, silently (RFC 9112 section 9.3.1); so do these users, and count it. The
        # close shows as a clean end of stream (RemoteProtocolError) or a reset (ReadError).
        try:
            return await http.request(method, url, **kw)  # type: ignore[arg-type]
        except (httpx.RemoteProtocolError, httpx.ReadError):
            if method != "GET":
                raise
            self.resent += 1
            return await http.request(method, url, **kw)  # type: ignore[arg-type]

    async def _browse(self, account: Account) -> None:
        cookie = session_cookie(account.tokens)
        async with httpx.AsyncClient(timeout=30.0, follow_redirects=False) as http:
            while self.running.is_set():
                for page in PAGES:
                    url = f"{self.topology.url('web')}{page}"
                    await self._request(http, "GET", url, headers={"Cookie": f"session={cookie}"})
                    await asyncio.sleep(THINK_SECONDS)

    async def _cameras(self) -> None:
        url = f"{self.topology.url('subscriptions')}/v1/plate-check"
        headers = {"X-Service-Token": self.service_token}
        params = {"site_id": PLATE_SITE, "plate": "ABC123"}
        async with httpx.AsyncClient(timeout=30.0) as http:
            while self.running.is_set():
                await self._request(http, "GET", url, headers=headers, params=params)
                await asyncio.sleep(CAMERA_SECONDS)

    async def _sign_up(self, every: float) -> None:
        async with httpx.AsyncClient(timeout=30.0) as http:
            while self.running.is_set():
                email = f"load-{uuid.uuid4().hex[:10]}@example.org"
                body = {"email": email, "password": PASSWORD, "password_confirmation": PASSWORD}
                url = f"{self.topology.url('identity')}/v1/accounts"
                self.signups[email] = await self._request(http, "POST", url, json=body)
                await asyncio.sleep(every)

    async def _subscribe_all(self) -> None:
        """Each subscriber asks for a DAS subscription, one after the other; the operator
        approves each (a decision carries its idempotency key, so it is sent again on failure,
        as the console's form does)."""
        async with httpx.AsyncClient(timeout=30.0) as http:
            for account in self.subscribers:
                if not self.running.is_set():
                    return
                subscription_id = await self._request_subscription(http, account)
                if subscription_id and await self._approve(http, subscription_id):
                    self.subscribed[subscription_id] = account
                await asyncio.sleep(1.0)

    async def _request_subscription(self, http: httpx.AsyncClient, account: Account) -> str:
        base, auth = self.topology.url("subscriptions"), bearer(account.tokens)
        vehicle = {"year": 2021, "make": "Toyota", "model": "Corolla", "color": "Gris"}
        vehicle["plate"] = f"L{uuid.uuid4().hex[:6].upper()}"
        added = await self._post(http, f"{base}/v1/vehicles", auth, vehicle)
        if added is None or added.status_code != 201:
            return ""
        body = {
            "offering_id": DAS_OFFERING,
            "requested_start": montreal_today().isoformat(),  # not the UTC date
            "accept_terms": True,
            "understand_approval": True,
            "vehicle_ids": [added.json()["id"]],
            "employee_number": "E-48213",
        }
        created = await self._post(http, f"{base}/v1/subscriptions", auth, body)
        return str(created.json()["id"]) if created and created.status_code == 201 else ""

    async def _approve(self, http: httpx.AsyncClient, subscription_id: str) -> bool:
        url = f"{self.topology.url('subscriptions')}/v1/operator/subscriptions/{subscription_id}"
        body = {"decision": "approve", "idempotency_key": uuid.uuid4().hex}
        for _ in range(5):
            answer = await self._post(http, f"{url}/decision", bearer(self.operator), body)
            if answer is not None and answer.status_code == 200:
                return True
            await asyncio.sleep(0.5)
        return False

    async def _post(
        self, http: httpx.AsyncClient, url: str, headers: dict[str, str], body: object
    ) -> httpx.Response | None:
        path = httpx.URL(url).path
        try:
            answer = await http.post(url, headers=headers, json=body)
        except httpx.TransportError as exc:
            self.outcomes.append(Outcome(time.monotonic(), "POST", path, 0, type(exc).__name__))
            return None
        self.outcomes.append(Outcome(time.monotonic(), "POST", path, answer.status_code))
        return answer


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def session_cookie(tokens: dict[str, str], expired: bool = False) -> str:
    """The web's session cookie for these tokens, as its login writes it (the dev secret every
    replica of the topology shares); `expired` makes the web refresh the access token first."""
    session = Session.new()
    expires = 0.0 if expired else time.time() + float(tokens.get("expires_in", 600))
    session.sign_in(tokens["access_token"], tokens["refresh_token"], expires, "user", "fr")
    return SessionCodec(DEV_SESSION_SECRET, 3600).dumps(session)


async def open_accounts(topology: Reachable, count: int) -> list[Account]:
    """`count` verified accounts with a profile, signed in (through nginx)."""
    return list(await asyncio.gather(*(open_account(topology) for _ in range(count))))


async def open_account(topology: Reachable, email: str | None = None) -> Account:
    account = Account(email or f"user-{uuid.uuid4().hex[:10]}@example.org")
    async with httpx.AsyncClient(base_url=topology.url("identity"), timeout=30.0) as identity:
        body = {"email": account.email, "password": PASSWORD, "password_confirmation": PASSWORD}
        assert (await identity.post("/v1/accounts", json=body)).status_code == 202
        await verify(topology, identity, account.email)
        account.tokens = await log_in(identity, account.email)
        auth = {"Authorization": f"Bearer {account.tokens['access_token']}"}
        saved = await identity.put("/v1/me/profile", json=PROFILE, headers=auth)
        assert saved.status_code == 200, saved.text
        account.id = (await identity.get("/v1/me", headers=auth)).json()["id"]
    return account


async def verify(topology: Reachable, identity: httpx.AsyncClient, email: str) -> None:
    """Follow the link of the verification email the catcher received."""
    (message,) = await mail_to(topology, email)
    async with httpx.AsyncClient(base_url=topology.url("mail")) as mail:
        text = (await mail.get(f"/api/v1/message/{message['ID']}")).json()["Text"]
    token = re.search(r"token=([\w-]+)", text).group(1)  # type: ignore[union-attr]
    verified = await identity.post("/v1/accounts/verification", json={"token": token})
    assert verified.status_code == 200, verified.text


async def log_in(identity: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await identity.post("/v1/sessions", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def mail_to(
    topology: Reachable, email: str, count: int = 1, settle: float = 0.0
) -> list[dict[str, object]]:
    """The catcher's messages to `email` once `count` arrived (then `settle` seconds more, to
    see a duplicate that would follow)."""
    async with httpx.AsyncClient(base_url=topology.url("mail"), timeout=10.0) as mail:
        for _ in range(600):
            found = (await mail.get("/api/v1/search", params={"query": f"to:{email}"})).json()
            if len(found["messages"]) >= count:
                if settle:
                    await asyncio.sleep(settle)
                    found = (
                        await mail.get("/api/v1/search", params={"query": f"to:{email}"})
                    ).json()
                return list(found["messages"])
            await asyncio.sleep(0.1)
    raise AssertionError(f"no email to {email}")


PROFILE = {
    "gender": "female",
    "first_name": "Léa",
    "last_name": "Tremblay",
    "address_line1": "116 boul. Lionel-Émond",
    "city": "Gatineau",
    "province": "QC",
    "postal_code": "J8Y 1W7",
    "mobile_phone": "819 555-0142",
    "language": "fr",
}
