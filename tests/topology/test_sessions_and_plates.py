"""Two things a replica must not keep to itself: the plate index (a vehicle added or removed
through one subscriptions replica is answered by the other's plate check within a second) and
a session's refresh (two web replicas refreshing one browser session at the same moment leave
the person logged in)."""

import asyncio
import subprocess
import sys
import time
import uuid

import httpx

from servicekit.clock import today as montreal_today
from tests.subscriptions.factories import GATINEAU_DAS, request_body, vehicle_body
from tests.support.load import PASSWORD, log_in, open_account, session_cookie
from tests.support.topology import Topology

PLATE_SITE = 1535


async def create_operator_email(topology: Topology) -> str:
    """An operator account (`python -m services.identity.cli create-operator`); its email."""
    email = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    created = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.identity.cli", "create-operator", email],
        env=topology.env() | {"OPERATOR_PASSWORD": PASSWORD},
        capture_output=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    return email


async def create_operator(topology: Topology) -> dict[str, str]:
    email = await create_operator_email(topology)
    async with httpx.AsyncClient(base_url=topology.url("identity")) as identity:
        return await log_in(identity, email)


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def authorized(http: httpx.AsyncClient, replica_url: str, token: str, plate: str) -> bool:
    answer = await http.get(
        f"{replica_url}/v1/plate-check",
        params={"site_id": PLATE_SITE, "plate": plate},
        headers={"X-Service-Token": token},
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["authorized"])


async def seconds_until(http, replica_url: str, token: str, plate: str, want: bool) -> float:
    started = time.monotonic()
    while await authorized(http, replica_url, token, plate) is not want:
        assert time.monotonic() - started < 1.0, f"{plate}: still {not want} after 1 s"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_a_vehicle_change_through_one_replica_is_answered_by_the_other(
    topology: Topology,
) -> None:
    a, b = (r.url for r in topology.replicas["subscriptions"])
    token = topology.env().get("PLATFORM_SERVICE_TOKEN") or _default_service_token()
    user, operator = await open_account(topology), await create_operator(topology)
    async with httpx.AsyncClient(timeout=30.0) as http:
        vehicles = []
        for _ in range(2):
            added = await http.post(
                f"{a}/v1/vehicles", headers=bearer(user.tokens), json=vehicle_body()
            )
            assert added.status_code == 201, added.text
            vehicles.append(added.json())
        first, second = (v["plate"] for v in vehicles)
        body = request_body(GATINEAU_DAS, [v["id"] for v in vehicles])
        body["requested_start"] = montreal_today().isoformat()  # not the UTC date
        sub = await http.post(f"{a}/v1/subscriptions", headers=bearer(user.tokens), json=body)
        assert sub.status_code == 201, sub.text
        # Both replicas answer (and keep their index warm) before the approval.
        assert not await authorized(http, a, token, second)
        assert not await authorized(http, b, token, second)

        decided = await http.post(
            f"{a}/v1/operator/subscriptions/{sub.json()['id']}/decision",
            headers=bearer(operator),
            json={"decision": "approve"},
        )
        assert decided.status_code == 200, decided.text
        await seconds_until(http, b, token, second, want=True)

        removed = await http.delete(
            f"{a}/v1/vehicles/{vehicles[1]['id']}", headers=bearer(user.tokens)
        )
        assert removed.status_code == 204, removed.text
        await seconds_until(http, b, token, second, want=False)
        assert await authorized(http, b, token, first)


def _default_service_token() -> str:
    from servicekit.settings import PlatformSettings

    return PlatformSettings().service_token


async def test_two_web_replicas_refreshing_one_session_at_once_keep_it_alive(
    topology: Topology,
) -> None:
    user = await open_account(topology)
    # The browser's cookie with an access token due for refresh, sent to both replicas at once.
    stale = session_cookie(user.tokens, expired=True)
    webs = [r.url for r in topology.replicas["web"]]
    async with httpx.AsyncClient(timeout=30.0, follow_redirects=False) as http:
        cookie = {"Cookie": f"session={stale}"}
        answers = await asyncio.gather(
            *(http.get(f"{url}/tableau-de-bord", headers=cookie) for url in webs)
        )
        assert [a.status_code for a in answers] == [200, 200], [a.headers for a in answers]
        for answer in answers:
            # Each replica wrote the refreshed session; the next page still finds the person in.
            fresh = answer.cookies["session"]
            again = await http.get(
                f"{topology.url('web')}/tableau-de-bord", headers={"Cookie": f"session={fresh}"}
            )
            assert again.status_code == 200, again.headers
    # And the rotated refresh token itself still works: the session was not revoked.
    async with httpx.AsyncClient(base_url=topology.url("identity")) as identity:
        successor = answers[0].cookies["session"]
        assert successor
        refreshed = await identity.post(
            "/v1/sessions/refresh", json={"refresh_token": await _refresh_token_in(successor)}
        )
        assert refreshed.status_code == 200, refreshed.text


async def _refresh_token_in(cookie: str) -> str:
    from web.config import DEV_SESSION_SECRET
    from web.session import SessionCodec

    session = SessionCodec(DEV_SESSION_SECRET, 3600).loads(cookie)
    assert session is not None and session.refresh_token
    return session.refresh_token
