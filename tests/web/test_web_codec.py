"""The Temporal Web UI codec endpoint: CORS for the UI, clear payloads for operators only."""

import base64

import httpx
from temporalio.api.common.v1 import Payload

from servicekit.codec import EncryptionCodec
from services.identity.config import IdentitySettings
from tests.support.service_rows import set_role
from tests.web.support import Account, login
from web.config import WebSettings

PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"email":"marie@example.com"}')


def as_json(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def codec(
    client: httpx.AsyncClient, origin: str, action: str, payloads: list[dict[str, object]]
) -> httpx.Response:
    headers = {"Origin": origin, "X-Namespace": "default"}
    return await client.post(f"/codec/{action}", json={"payloads": payloads}, headers=headers)


async def test_preflight_allows_the_web_ui_only(client: httpx.AsyncClient, ui_origin: str) -> None:
    request_headers = {
        "Origin": ui_origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    response = await client.options("/codec/decode", headers=request_headers)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ui_origin
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = response.headers["access-control-allow-headers"]
    assert {"content-type", "x-namespace", "authorization"} <= {
        h.strip() for h in allowed.split(",")
    }
    evil = await client.options(
        "/codec/decode", headers={**request_headers, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in evil.headers


async def test_anonymous_gets_403(client: httpx.AsyncClient, ui_origin: str) -> None:
    response = await codec(client, ui_origin, "decode", [as_json(PLAIN)])
    assert response.status_code == 403
    assert response.headers["access-control-allow-origin"] == ui_origin


async def test_identity_decides_who_is_an_operator_at_each_call(
    client: httpx.AsyncClient, ui_origin: str, user: Account, identity_settings: IdentitySettings
) -> None:
    await login(client, user.email)
    assert (await codec(client, ui_origin, "decode", [as_json(PLAIN)])).status_code == 403
    assert (await codec(client, ui_origin, "encode", [as_json(PLAIN)])).status_code == 403
    # promoted at identity: the session and the access token still say "user"
    await set_role(identity_settings.database_url, user.email, "operator")
    assert (await codec(client, ui_origin, "encode", [as_json(PLAIN)])).status_code == 200
    await set_role(identity_settings.database_url, user.email, "user")
    assert (await codec(client, ui_origin, "decode", [as_json(PLAIN)])).status_code == 403


async def test_operator_round_trips_payloads(
    client: httpx.AsyncClient, ui_origin: str, operator: Account
) -> None:
    await login(client, operator.email)
    encoded = await codec(client, ui_origin, "encode", [as_json(PLAIN)])
    assert encoded.status_code == 200
    assert encoded.headers["access-control-allow-origin"] == ui_origin
    sealed = encoded.json()["payloads"][0]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"
    assert b"marie@example.com" not in base64.b64decode(sealed["data"])
    decoded = await codec(client, ui_origin, "decode", [sealed])
    assert decoded.status_code == 200
    assert decoded.json()["payloads"][0] == as_json(PLAIN)


async def test_json_is_required(client: httpx.AsyncClient, operator: Account) -> None:
    await login(client, operator.email)
    body = '{"payloads": []}'
    response = await client.post(
        "/codec/decode", content=body, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


async def test_operator_decodes_what_the_worker_encrypted(
    client: httpx.AsyncClient, ui_origin: str, operator: Account, web_settings: WebSettings
) -> None:
    [sealed] = await EncryptionCodec(web_settings.platform.payload_key).encode([PLAIN])
    await login(client, operator.email)
    decoded = await codec(client, ui_origin, "decode", [as_json(sealed)])
    assert decoded.json()["payloads"][0] == as_json(PLAIN)


async def test_garbage_is_a_400_not_a_crash(
    client: httpx.AsyncClient, ui_origin: str, operator: Account
) -> None:
    await login(client, operator.email)
    tampered: dict[str, object] = {
        "metadata": {
            "encoding": base64.b64encode(b"binary/encrypted").decode(),
            "encryption-key-id": base64.b64encode(b"platform-v1").decode(),
        },
        "data": base64.b64encode(b"\x00" * 40).decode(),
    }
    response = await codec(client, ui_origin, "decode", [tampered])
    assert response.status_code == 400
