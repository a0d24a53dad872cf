"""What the topology's nginx lets the public reach, besides the portal: the hosted card page (in
sandbox mode) on its own origin (the page, its files and its two POST endpoints, the sandbox's
tokens and Stripe mode's SetupIntents, nothing else of that app),
and on the portal's origin the card processor's webhook, the one path of payments that is
public. Every answer is traced in nginx's access log to the replica that gave it."""

import json
import time
import uuid
from datetime import date

import httpx

from services.payments.processors.stripe_webhooks import signature
from tests.support.gateway import Entry
from tests.support.topology import HOSTED_CARD, WEBHOOK_SECRET, Topology

WEBHOOK = "/v1/processor/webhooks/stripe"


def answered(topology: Topology, entries: list[Entry], path: str) -> list[str]:
    """The components whose replica answered each logged request for `path` (`-` when nginx
    answered itself)."""
    assert topology.gateway is not None
    where = {
        f"127.0.0.1:{replica.port}": component
        for component, replicas in topology.replicas.items()
        for replica in replicas
        if replica.port
    }
    return [
        where.get(entry.upstreams[-1], entry.upstreams[-1]) if entry.upstreams else "-"
        for entry in entries
        if entry.path == path
    ]


def logged_since(topology: Topology, before: int) -> list[Entry]:
    assert topology.gateway is not None
    return topology.gateway.entries()[before:]


async def test_the_portal_frames_the_hosted_page_at_its_public_origin(topology: Topology) -> None:
    origin = topology.url(HOSTED_CARD)
    async with httpx.AsyncClient() as http:
        login = await http.get(f"{topology.url('web')}/connexion")
    assert login.status_code == 200
    assert f"frame-src {origin};" in login.headers["content-security-policy"]


async def test_the_hosted_card_origin_reaches_the_hosted_page_and_nothing_else(
    topology: Topology,
) -> None:
    assert topology.gateway is not None
    before = len(topology.gateway.entries())
    card = {"number": "4242 4242 4242 4242", "exp_month": 12, "cvv": "123"}
    card["exp_year"] = date.today().year + 2
    async with httpx.AsyncClient(base_url=topology.url(HOSTED_CARD)) as http:
        page = await http.get("/card", params={"lang": "fr"})
        assert page.status_code == 200
        assert "No. de carte" in page.text
        policy = page.headers["content-security-policy"]
        assert f"frame-ancestors {topology.url('web')};" in policy
        assert (await http.get("/static/card_page.js")).status_code == 200
        token = await http.post("/v1/single-use-tokens", json=card)
        assert token.status_code == 201, token.text
        assert token.json()["token"].startswith("stk_")
        assert token.json()["last4"] == "4242"
        # The app's other routes stay behind nginx, and the page is read-only.
        for path in ("/metrics", "/readyz", "/docs", "/openapi.json", WEBHOOK):
            assert (await http.get(path)).status_code == 404, path
        assert (await http.post(WEBHOOK, json={})).status_code == 404
        assert (await http.get("/v1/single-use-tokens")).status_code == 403
        # Stripe mode's endpoint is relayed too: this sandbox-mode page has none (its own 404)
        assert (await http.post("/v1/setup-intents")).status_code == 404
        assert (await http.get("/v1/setup-intents")).status_code == 403
        assert (await http.post("/card")).status_code == 403
        # The sandbox issuer's 3-D Secure page is relayed (an unknown charge: the app's 404)
        assert (await http.get("/3ds/ch_NoSuchCharge")).status_code == 404
        assert (await http.delete("/3ds/ch_NoSuchCharge")).status_code == 403

    entries = logged_since(topology, before)
    assert answered(topology, entries, "/static/card_page.js") == [HOSTED_CARD]
    # The page and the token endpoint reached the app; their other method, nginx refused.
    for path in ("/card", "/v1/single-use-tokens", "/v1/setup-intents", "/3ds/ch_NoSuchCharge"):
        assert answered(topology, entries, path) == [HOSTED_CARD, "-"], path
    for path in ("/metrics", "/readyz", "/docs", "/openapi.json", WEBHOOK):
        assert set(answered(topology, entries, path)) == {"-"}, path


async def test_the_processor_webhook_alone_of_payments_is_public(topology: Topology) -> None:
    """A signed event sent to the portal's origin is applied by a payments replica; a forged one
    is refused by it; payments' other paths on the portal's origin reach the web, never
    payments."""
    assert topology.gateway is not None
    before = len(topology.gateway.entries())
    event = {"id": f"evt_{uuid.uuid4().hex}", "type": "topology.ping", "data": {"object": {}}}
    payload = json.dumps(event).encode()
    stamp = int(time.time())
    signed = f"t={stamp},v1={signature(WEBHOOK_SECRET, stamp, payload)}"
    forged = f"t={stamp},v1={signature('whsec_someone_else', stamp, payload)}"
    json_type = {"Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=topology.url("web")) as http:
        applied = await http.post(
            WEBHOOK, content=payload, headers=json_type | {"Stripe-Signature": signed}
        )
        assert applied.status_code == 200, applied.text
        assert applied.json()["received"] is True
        refused = await http.post(
            WEBHOOK, content=payload, headers=json_type | {"Stripe-Signature": forged}
        )
        assert refused.status_code == 400, refused.text
        assert (await http.get(WEBHOOK)).status_code == 403
        others = {
            "GET": ["/v1/payment-methods", "/v1/pad-agreement", "/healthz"],
            "POST": ["/internal/v1/charges", "/v1/payment-methods/card"],
        }
        for method, paths in others.items():
            for path in paths:
                await http.request(method, path, json={})

    entries = logged_since(topology, before)
    assert answered(topology, entries, WEBHOOK) == ["payments", "payments", "-"]
    for paths in others.values():
        for path in paths:
            assert answered(topology, entries, path) == ["web"], path
