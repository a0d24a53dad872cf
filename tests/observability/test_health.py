"""Health (issue 13): the worker answers /healthz (polling) and /readyz (Temporal reachable)
on its own port; the web's /readyz checks the services it needs; every answer carries the
request id it was given."""

import asyncio
import subprocess
import sys

import httpx

from tests.observability.conftest import ObservedStack
from tests.support.mail import free_port


async def test_the_worker_says_it_is_polling_and_temporal_answers(
    observed_stack: ObservedStack,
) -> None:
    async with httpx.AsyncClient(base_url=observed_stack.worker_url("health")) as http:
        health, ready, other = (
            await http.get("/healthz"),
            await http.get("/readyz"),
            await http.get("/nope"),
        )
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "temporal": "up"})
    assert other.status_code == 404


async def test_web_readiness_names_the_services_it_checked(observed_stack: ObservedStack) -> None:
    async with httpx.AsyncClient(base_url=observed_stack.url("web")) as http:
        ready = await http.get("/readyz", headers={"X-Request-ID": "probe-1234"})
    assert ready.status_code == 200
    assert ready.json()["services"] == {
        "identity": "up", "subscriptions": "up", "payments": "up",
    }  # fmt: skip
    assert ready.headers["x-request-id"] == "probe-1234"


async def test_a_made_up_request_id_is_replaced(observed_stack: ObservedStack) -> None:
    async with httpx.AsyncClient(base_url=observed_stack.url("identity")) as http:
        answer = await http.get("/healthz", headers={"X-Request-ID": "jean@example.org <script>"})
    assert answer.headers["x-request-id"] != "jean@example.org <script>"
    assert len(answer.headers["x-request-id"]) == 32


async def test_web_readiness_fails_naming_the_service_that_does_not_answer(
    observed_stack: ObservedStack,
) -> None:
    port = free_port()
    env = observed_stack.env() | {"PLATFORM_PAYMENTS_URL": f"http://127.0.0.1:{free_port()}"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "web.main:create_app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            ready = await http.get("/readyz")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "services": {"identity": "up", "subscriptions": "up", "payments": "down"},
    }
