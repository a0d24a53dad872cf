"""The Temporal Web UI at /temporal/: operators only, read-only, relayed on the portal's origin.

The UI server is a stand-in that records what reaches it; the web app, identity and the
accounts are the real ones.
"""

import base64
import hashlib
import json
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from services.identity.config import IdentitySettings
from tests.support.service_rows import set_role
from tests.web.support import Account, login
from web.config import WebSettings
from web.main import create_app

BOOT = "\n  window.boot = 1;\n"
PAGE = f"<!doctype html><html><body><div id='svelte'><script>{BOOT}</script></div></body></html>"
UI_SETTINGS = {
    "Codec": {"Endpoint": "http://elsewhere.example/codec", "IncludeCredentials": False},
    "DisableWriteActions": False,
    "WorkflowTerminateDisabled": False,
    "WorkflowCancelDisabled": False,
    "StartWorkflowDisabled": False,
    "Version": "2.54.1",
}
WORKFLOW = "/temporal/api/v1/namespaces/default/workflows/subscription-1"
# What the UI's buttons call (Temporal's HTTP API): none may reach the UI server.
WRITES = [
    ("POST", f"{WORKFLOW}/terminate"),
    ("POST", f"{WORKFLOW}/cancel"),
    ("POST", f"{WORKFLOW}/signal/payment_method_updated"),
    ("POST", f"{WORKFLOW}/reset"),
    ("POST", f"{WORKFLOW}/update/decide"),
    ("POST", "/temporal/api/v1/namespaces/default/workflows/new-one"),
    ("POST", "/temporal/api/v1/namespaces/default/batch-operations/job-1"),
    ("DELETE", "/temporal/api/v1/namespaces/default/schedules/export-cpa005-nightly"),
    ("PUT", "/temporal/api/v1/namespaces/default/schedules/export-cpa005-nightly"),
    ("PATCH", "/temporal/api/v1/namespaces/default/schedules/export-cpa005-nightly"),
]


@dataclass
class FakeUiServer:
    """Answers like the UI server and records every request that reaches it."""

    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    async def answer(self, request: Request) -> Response:
        self.seen.append((request.method, request.url.path, dict(request.headers)))
        if request.url.path == "/temporal/api/v1/settings":
            return JSONResponse(UI_SETTINGS)
        if request.url.path.startswith("/temporal/api/"):
            return JSONResponse({"method": request.method, "query": request.url.query})
        page = HTMLResponse(PAGE)
        page.set_cookie("_csrf", "ui-csrf-token", path="/", samesite="strict")
        return page

    def app(self) -> Starlette:
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", self.answer, methods=methods)])


@pytest.fixture
def ui_server() -> FakeUiServer:
    return FakeUiServer()


@pytest.fixture
def web_app(
    web_settings: WebSettings,
    identity_http: httpx.AsyncClient,
    subscriptions_http: httpx.AsyncClient,
    payments_http: httpx.AsyncClient,
    ui_server: FakeUiServer,
) -> FastAPI:
    """The web app relaying the stand-in UI server."""
    upstream = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=ui_server.app()), base_url="http://temporal-ui.test"
    )
    return create_app(
        web_settings,
        identity_client=identity_http,
        subscriptions_client=subscriptions_http,
        payments_client=payments_http,
        temporal_ui_client=upstream,
    )


async def test_anonymous_is_sent_to_login(
    client: httpx.AsyncClient, ui_server: FakeUiServer
) -> None:
    page = await client.get("/temporal/namespaces/default/workflows")
    assert page.status_code == 303 and page.headers["location"] == "/connexion"
    api = await client.get("/temporal/api/v1/namespaces")
    assert api.status_code == 401 and api.json()["error"] == "login_required"
    assert (await client.get("/operator-check")).status_code == 401
    root = await client.get("/temporal")
    assert root.status_code == 303 and root.headers["location"] == "/temporal/"
    assert ui_server.seen == []


async def test_a_customer_gets_403(
    client: httpx.AsyncClient, user: Account, ui_server: FakeUiServer
) -> None:
    await login(client, user.email)
    page = await client.get("/temporal/")
    assert page.status_code == 403 and "Accès refusé" in page.text
    api = await client.get("/temporal/api/v1/namespaces")
    assert api.status_code == 403 and api.json()["error"] == "forbidden"
    assert (await client.get("/operator-check")).status_code == 403
    assert ui_server.seen == []


async def test_identity_decides_and_a_demotion_takes_effect(
    client: httpx.AsyncClient,
    user: Account,
    identity_settings: IdentitySettings,
    web_app: FastAPI,
) -> None:
    await set_role(identity_settings.database_url, user.email, "operator")
    await login(client, user.email)
    assert (await client.get("/operator-check")).status_code == 204
    await set_role(identity_settings.database_url, user.email, "user")
    web_app.state.operator_roles.__init__()  # the 30 s the answer is trusted have passed
    assert (await client.get("/operator-check")).status_code == 403
    assert (await client.get("/temporal/")).status_code == 403


async def test_operator_gets_the_ui_with_its_boot_script_allowed(
    client: httpx.AsyncClient, operator: Account, ui_server: FakeUiServer, web_settings: WebSettings
) -> None:
    await login(client, operator.email)
    page = await client.get("/temporal/namespaces/default/workflows/subscription-1?x=1")
    assert page.status_code == 200 and page.text == PAGE
    digest = base64.b64encode(hashlib.sha256(BOOT.encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "frame-ancestors 'none'" in policy
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("_csrf=ui-csrf-token") and "Path=/temporal/" in cookie
    method, path, headers = ui_server.seen[-1]
    assert (method, path) == ("GET", "/temporal/namespaces/default/workflows/subscription-1")
    # the portal's session cookie never reaches the UI server
    assert web_settings.cookie_name not in headers.get("cookie", "")


async def test_relayed_settings_switch_write_actions_off_and_call_the_codec_here(
    client: httpx.AsyncClient, operator: Account
) -> None:
    await login(client, operator.email)
    settings = (await client.get("/temporal/api/v1/settings")).json()
    assert settings["DisableWriteActions"] is True
    for switch in ("WorkflowTerminateDisabled", "WorkflowCancelDisabled", "StartWorkflowDisabled"):
        assert settings[switch] is True
    assert settings["Codec"]["Endpoint"] == "/codec"
    assert settings["Version"] == "2.54.1"


@pytest.mark.parametrize(("method", "path"), WRITES)
async def test_write_calls_never_reach_the_ui_server(
    client: httpx.AsyncClient, operator: Account, ui_server: FakeUiServer, method: str, path: str
) -> None:
    await login(client, operator.email)
    refused = await client.request(method, path, json={"reason": "x"})
    assert refused.status_code == 403 and refused.json()["error"] == "read_only"
    assert [s for s in ui_server.seen if s[0] != "GET"] == []


async def test_reads_and_queries_are_relayed_with_the_ui_csrf_cookie(
    client: httpx.AsyncClient, operator: Account, ui_server: FakeUiServer
) -> None:
    await login(client, operator.email)
    await client.get("/temporal/")  # sets the UI's _csrf cookie, under /temporal/
    listed = await client.get("/temporal/api/v1/namespaces/default/workflows?query=a%3Db")
    assert listed.json() == {"method": "GET", "query": "query=a%3Db"}
    query = f"{WORKFLOW}/query/__stack_trace"
    body = json.dumps({"query": {"queryType": "__stack_trace"}})
    answered = await client.post(query, content=body, headers={"X-CSRF-Token": "ui-csrf-token"})
    assert answered.json()["method"] == "POST"
    method, path, headers = ui_server.seen[-1]
    assert (method, path) == ("POST", query)
    assert headers["cookie"] == "_csrf=ui-csrf-token"
    assert headers["x-csrf-token"] == "ui-csrf-token"


async def test_writes_are_refused_before_anyone_is_asked_who_they_are(
    client: httpx.AsyncClient, ui_server: FakeUiServer
) -> None:
    for path in ("/temporal", f"{WORKFLOW}/terminate"):
        refused = await client.post(path, json={})
        assert refused.status_code == 403 and refused.json()["error"] == "read_only", path
    query = await client.post(f"{WORKFLOW}/query/__stack_trace", json={})
    assert query.status_code == 401  # a read: the login comes first
    assert ui_server.seen == []
