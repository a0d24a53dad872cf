"""The web's `/readyz`: ready when the three services it calls are ready."""

import asyncio

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse

SERVICES = ("identity", "subscriptions", "payments")
CHECK_TIMEOUT = 2.0


async def _ready(http: httpx.AsyncClient) -> bool:
    try:
        response = await http.get("/readyz", timeout=CHECK_TIMEOUT)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def readyz(request: Request) -> JSONResponse:
    """200 when identity, subscriptions and payments answer their own `/readyz`, else 503
    naming those that do not."""
    clients = [getattr(request.app.state, name).http for name in SERVICES]
    answers = await asyncio.gather(*(_ready(http) for http in clients))
    states = {name: "up" if ok else "down" for name, ok in zip(SERVICES, answers, strict=True)}
    ok = all(answers)
    body: dict[str, object] = {"status": "ok" if ok else "unavailable", "services": states}
    return JSONResponse(body, status_code=200 if ok else 503)
