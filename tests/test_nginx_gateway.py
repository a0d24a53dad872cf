"""The gateway's nginx config (deploy/nginx), run by Debian's nginx in front of stand-ins for the
web, the Temporal UI, payments and the sandbox's hosted card page: /temporal/ for operators only
(auth_request to the web's /operator-check), read-only, the UI never sees the portal's session
cookie; the processor's webhook alone of payments; the hosted card page on its own host name, as
on Kubernetes (compose gives it a port of its own: tests/topology/test_public_entries.py), its
page, files and token endpoint only; the Kubernetes probes' server.

The web's own side of the check (`/operator-check` against identity) is tested in
tests/web/test_web_temporal_ui.py.
"""

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.mail import free_port

NGINX_DIR = Path(__file__).resolve().parents[1] / "deploy/nginx"
TEMPLATE = NGINX_DIR / "templates/default.conf.template"
HOSTED_CARD_TEMPLATE = NGINX_DIR / "hosted-card/hosted-card.conf.template"
PROBES_TEMPLATE = NGINX_DIR / "kubernetes/probes.conf.template"
HOSTED_CARD_HOST = "cartes.example.test"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WORKFLOW = "/temporal/api/v1/namespaces/default/workflows/subscription-1"
ROLES = {"op": 204, "client": 403}  # the stand-in web's sessions


@dataclass
class Recorder:
    """The requests one stand-in received: (method, path, cookie header)."""

    seen: list[tuple[str, str, str]] = field(default_factory=list)


def serve(recorder: Recorder, answer: "type[BaseHTTPRequestHandler]") -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), answer)
    server.recorder = recorder  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass

    def record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        recorder: Recorder = self.server.recorder  # type: ignore[attr-defined]
        recorder.seen.append((self.command, self.path, self.headers.get("Cookie", "")))

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class WebStandIn(Handler):
    """/operator-check by the `session` cookie (refreshing it), pages otherwise."""

    def do_GET(self) -> None:
        self.record()
        cookie = self.headers.get("Cookie", "")
        session = cookie.split("session=", 1)[1].split(";")[0] if "session=" in cookie else ""
        if self.path == "/operator-check":
            status = ROLES.get(session, 401)
            refreshed = {"Set-Cookie": f"session={session}; Path=/; HttpOnly"}
            self.reply(status, headers=refreshed if status == 204 else {})
        elif self.path.startswith("/temporal/"):
            self.reply(403, "Accès refusé.".encode())
        else:
            self.reply(200, b"portal")


class UiStandIn(Handler):
    """The Temporal UI server: answers everything, sets its CSRF cookie on Path=/."""

    def answer(self) -> None:
        self.record()
        body = json.dumps({"method": self.command, "path": self.path}).encode()
        cookie = {"Set-Cookie": "_csrf=ui-token; Path=/; SameSite=Strict"}
        self.reply(200, body, {"Content-Type": "application/json", **cookie})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer


class PaymentsStandIn(Handler):
    """The payments service: says what reached it (path, signature header, body)."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        recorder: Recorder = self.server.recorder  # type: ignore[attr-defined]
        recorder.seen.append((self.command, self.path, self.headers.get("Cookie", "")))
        answer = {
            "path": self.path,
            "signature": self.headers.get("Stripe-Signature"),
            "body": body,
        }
        self.reply(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})


class HostedCardStandIn(Handler):
    """The hosted card page: says what reached it (method, path, X-Forwarded-For)."""

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        recorder: Recorder = self.server.recorder  # type: ignore[attr-defined]
        recorder.seen.append((self.command, self.path, self.headers.get("Cookie", "")))
        answer = {
            "method": self.command,
            "path": self.path,
            "forwarded_for": self.headers.get("X-Forwarded-For"),
            "host": self.headers.get("Host"),
        }
        self.reply(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    do_GET = do_POST = do_PUT = do_DELETE = answer


@dataclass
class Gateway:
    url: str
    web: Recorder
    ui: Recorder
    payments: Recorder
    hosted: Recorder
    probes: str


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    if not Path(NGINX).exists():
        pytest.fail("Debian's nginx is required (.ci/run installs it: apt-get install nginx-light)")
    web, ui, payments, hosted = Recorder(), Recorder(), Recorder(), Recorder()
    servers = [
        serve(web, WebStandIn),
        serve(ui, UiStandIn),
        serve(payments, PaymentsStandIn),
        serve(hosted, HostedCardStandIn),
    ]
    folder = tmp_path_factory.mktemp("nginx")
    port, probes_port = free_port(), free_port()
    site = TEMPLATE.read_text()
    site = site.replace("${WEB_UPSTREAM}", f"127.0.0.1:{servers[0].server_port}")
    site = site.replace("${TEMPORAL_UI_UPSTREAM}", f"127.0.0.1:{servers[1].server_port}")
    site = site.replace("${PAYMENTS_UPSTREAM}", f"127.0.0.1:{servers[2].server_port}")
    site = site.replace("listen 8000;", f"listen 127.0.0.1:{port};")
    # As on Kubernetes: the hosted card page's host name on the portal's port.
    card = HOSTED_CARD_TEMPLATE.read_text()
    card = card.replace("${HOSTED_CARD_UPSTREAM}", f"127.0.0.1:{servers[3].server_port}")
    card = card.replace("${HOSTED_CARD_LISTEN}", f"127.0.0.1:{port}")
    card = card.replace("${HOSTED_CARD_SERVER_NAME}", HOSTED_CARD_HOST)
    probes = PROBES_TEMPLATE.read_text().replace("listen 8080;", f"listen 127.0.0.1:{probes_port};")
    # In the order of the image's conf.d (default.conf, hosted-card.conf, probes.conf).
    (folder / "site.conf").write_text(site + card + probes)
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    (folder / "nginx.conf").write_text(
        f"{user}daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; {temp} uwsgi_temp_path {folder}/uwsgi; "
        f"scgi_temp_path {folder}/scgi; include {folder}/site.conf; }}\n"
    )
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(url, timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield Gateway(url, web, ui, payments, hosted, f"http://127.0.0.1:{probes_port}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        for server in servers:
            server.shutdown()


def get(gateway: Gateway, path: str, session: str | None = None) -> httpx.Response:
    cookies = {"session": session, "_csrf": "ui-token"} if session else {}
    return httpx.get(gateway.url + path, cookies=cookies, follow_redirects=False)


def test_the_portal_is_served(gateway: Gateway) -> None:
    assert get(gateway, "/tableau-de-bord").text == "portal"


def test_anonymous_goes_to_login_and_a_customer_gets_403(gateway: Gateway) -> None:
    before = len(gateway.ui.seen)
    anonymous = get(gateway, "/temporal/namespaces/default/workflows")
    assert anonymous.status_code == 303 and anonymous.headers["location"].endswith("/connexion")
    customer = get(gateway, "/temporal/", session="client")
    assert customer.status_code == 403 and "Accès refusé" in customer.text
    assert len(gateway.ui.seen) == before


def test_an_operator_reads_the_ui_without_the_portal_session_reaching_it(
    gateway: Gateway,
) -> None:
    listed = "/temporal/namespaces/default/workflows?query=a"
    page = get(gateway, listed, session="op")
    assert page.status_code == 200
    assert page.json() == {"method": "GET", "path": listed}
    assert gateway.ui.seen[-1][2] == "_csrf=ui-token"
    cookies = page.headers.get_list("set-cookie")
    assert any(c.startswith("session=op") for c in cookies)  # the check's refreshed session
    assert any(c.startswith("_csrf=ui-token") and "Path=/temporal/" in c for c in cookies)
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert get(gateway, "/temporal", session="op").headers["location"].endswith("/temporal/")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{WORKFLOW}/terminate"),
        ("POST", f"{WORKFLOW}/cancel"),
        ("POST", f"{WORKFLOW}/signal/payment_method_updated"),
        ("POST", f"{WORKFLOW}/reset"),
        ("POST", f"{WORKFLOW}/update/decide"),
        ("POST", "/temporal/api/v1/namespaces/default/workflows/new-one"),
        ("DELETE", "/temporal/api/v1/namespaces/default/schedules/export-cpa005-nightly"),
        ("PUT", "/temporal/api/v1/namespaces/default/schedules/export-cpa005-nightly"),
        ("PATCH", "/temporal/api/v1/namespaces/default/schedules/export-cpa005-nightly"),
    ],
)
def test_write_calls_are_refused(gateway: Gateway, method: str, path: str) -> None:
    cookies = {"session": "op", "_csrf": "ui-token"}
    refused = httpx.request(method, gateway.url + path, cookies=cookies, json={})
    assert refused.status_code == 403 and refused.json()["error"] == "read_only"
    assert not [s for s in gateway.ui.seen if s[0] != "GET" and s[1] == path]


def test_a_workflow_query_is_relayed(gateway: Gateway) -> None:
    query = f"{WORKFLOW}/query/__stack_trace"
    cookies = {"session": "op", "_csrf": "ui-token"}
    answered = httpx.post(gateway.url + query, cookies=cookies, json={})
    assert answered.json() == {"method": "POST", "path": query}
    anonymous = httpx.post(gateway.url + query, json={})
    assert anonymous.status_code == 303


def test_the_processor_webhook_alone_of_payments_is_public(gateway: Gateway) -> None:
    """Stripe's POST reaches payments with its body and signature; nothing else does."""
    hook = gateway.url + "/v1/processor/webhooks/stripe"
    signed = {"Stripe-Signature": "t=1,v1=abc", "Content-Type": "application/json"}
    answered = httpx.post(hook, content=b'{"id": "evt_1"}', headers=signed)
    assert answered.json() == {
        "path": "/v1/processor/webhooks/stripe",
        "signature": "t=1,v1=abc",
        "body": '{"id": "evt_1"}',
    }
    assert httpx.get(hook).status_code == 403
    before = len(gateway.payments.seen)
    other = httpx.post(gateway.url + "/internal/v1/charges", json={})
    assert other.status_code == 501  # the web stand-in has no POST: payments never saw it
    assert len(gateway.payments.seen) == before


def card_host(
    method: str,
    gateway: Gateway,
    path: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """A request to the hosted card page's host name (the gateway's same port)."""
    headers = {"Host": HOSTED_CARD_HOST, **(headers or {})}
    return httpx.request(method, gateway.url + path, headers=headers, **kwargs)


def test_the_hosted_card_host_reaches_its_page_files_and_post_endpoints(gateway: Gateway) -> None:
    page = card_host("GET", gateway, "/card?lang=fr").json()
    assert page == {
        "method": "GET",
        "path": "/card?lang=fr",
        "forwarded_for": "127.0.0.1",
        "host": HOSTED_CARD_HOST,
    }
    assert card_host("GET", gateway, "/static/card_page.js").json()["path"] == (
        "/static/card_page.js"
    )
    # The client's own X-Forwarded-For is overwritten: the page counts tokens per address.
    token = card_host(
        "POST",
        gateway,
        "/v1/single-use-tokens",
        json={"cvv": "123"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert token.json()["method"] == "POST" and token.json()["forwarded_for"] == "127.0.0.1"
    # The sandbox issuer's 3-D Secure challenge: the page and the payer's answer.
    challenge = card_host("GET", gateway, "/3ds/ch_abc").json()
    assert (challenge["method"], challenge["path"]) == ("GET", "/3ds/ch_abc")
    answer = card_host("POST", gateway, "/3ds/ch_abc", data={"decision": "authorize"})
    assert answer.json()["method"] == "POST"
    # Stripe mode's one endpoint (the SetupIntent its page confirms), counted the same way.
    setup = card_host(
        "POST", gateway, "/v1/setup-intents", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert setup.json()["path"] == "/v1/setup-intents"
    assert setup.json()["forwarded_for"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/metrics", 404),
        ("GET", "/readyz", 404),
        ("GET", "/openapi.json", 404),
        ("GET", "/docs", 404),
        ("POST", "/v1/processor/webhooks/stripe", 404),
        ("GET", "/internal/v1/charges", 404),
        ("POST", "/card", 403),
        ("GET", "/v1/single-use-tokens", 403),
        ("GET", "/v1/setup-intents", 403),
        ("DELETE", "/static/card.css", 403),
        ("DELETE", "/3ds/ch_abc", 403),
    ],
)
def test_nothing_else_of_the_hosted_card_app_is_public(
    gateway: Gateway, method: str, path: str, status: int
) -> None:
    before = len(gateway.hosted.seen)
    assert card_host(method, gateway, path).status_code == status
    assert len(gateway.hosted.seen) == before


def test_a_card_body_is_small_and_the_portal_host_never_reaches_the_hosted_page(
    gateway: Gateway,
) -> None:
    before = len(gateway.hosted.seen)
    large = card_host("POST", gateway, "/v1/single-use-tokens", content=b"x" * 20_000)
    assert large.status_code == 413
    assert get(gateway, "/card?lang=fr").text == "portal"  # the portal's host: the web
    assert len(gateway.hosted.seen) == before


def test_the_probes_answer_without_the_web(gateway: Gateway) -> None:
    before = len(gateway.web.seen)
    for path in ("/healthz", "/readyz"):
        assert httpx.get(gateway.probes + path).status_code == 200
    assert httpx.get(gateway.probes + "/").status_code == 404
    assert len(gateway.web.seen) == before
