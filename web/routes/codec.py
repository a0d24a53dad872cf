"""The remote payload codec of the Temporal Web UI: operators read encrypted payloads in clear.

Temporal's codec protocol: `POST {endpoint}/decode` and `/encode` with `{"payloads": [...]}`
in protobuf JSON (metadata values and data base64). Operators' UI is served at /temporal/ on
this origin (web/temporal_ui.py), so its calls are same-origin and carry the session cookie. The
bare UI port (administrators) is another origin: CORS allows exactly that one, with credentials.
"""

from typing import Literal

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads

from servicekit.codec import EncryptionCodec
from servicekit.i18n import bilingual
from web.account import Account, LoginRequired
from web.api_error import ApiError
from web.dependencies import get_identity
from web.session import Session

router = APIRouter(prefix="/codec", tags=["codec"])

Action = Literal["decode", "encode"]
ALLOWED_HEADERS = "content-type, x-namespace, authorization"


def cors_headers(request: Request) -> dict[str, str]:
    """CORS headers for the Temporal Web UI's origin only."""
    headers = {"Vary": "Origin"}
    allowed = request.app.state.settings.platform.temporal_ui_url.rstrip("/")
    if request.headers.get("origin") == allowed:
        headers["Access-Control-Allow-Origin"] = allowed
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def _refusal(status: int, code: str, headers: dict[str, str]) -> JSONResponse:
    body = {"error": code, "message": bilingual(f"operator_api.{code}")}
    return JSONResponse(body, status_code=status, headers=headers)


async def is_operator(request: Request) -> bool:
    """Whether the browser's session belongs to an account identity says is an operator."""
    session: Session = request.state.session
    if not session.signed_in:
        return False
    ip = request.client.host if request.client else "0.0.0.0"  # noqa: S104 - not a bind
    identity = get_identity(request)
    account = Account(session, identity, ip, request.app.state.refresher)
    try:
        me = await account.call(identity.me)
    except (ApiError, LoginRequired):
        return False
    return me.get("role") == "operator"


@router.options("/{action}")
async def preflight(request: Request, action: Action) -> Response:
    """Answer the browser's CORS preflight for the Web UI's origin."""
    headers = cors_headers(request)
    if "Access-Control-Allow-Origin" in headers:
        headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = "600"
    return Response(status_code=204, headers=headers)


@router.post("/{action}")
async def transform(request: Request, action: Action) -> Response:
    """Decode (or encode) payloads for a signed-in operator; everyone else gets 403."""
    headers = cors_headers(request)
    if not await is_operator(request):
        return _refusal(403, "forbidden", headers)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _refusal(415, "json_expected", headers)
    codec: EncryptionCodec = request.app.state.payload_codec
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
        fn = codec.decode if action == "decode" else codec.encode
        result = await fn(list(payloads.payloads))
    except (json_format.ParseError, DecodeError, InvalidTag, ValueError):
        return _refusal(400, "payloads_invalid", headers)
    body = json_format.MessageToJson(Payloads(payloads=result))
    return Response(body, media_type="application/json", headers=headers)
