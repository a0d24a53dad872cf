"""Signed actor tokens: the proof, inside a workflow update, of who asked for it.

The subscriptions service authenticates the operator or the user on its API, then signs a
short-lived token naming them, the workflow and the update (HMAC-SHA256 with
`PLATFORM_ACTOR_TOKEN_KEY`). The subscription workflow's update validators verify it with the
same key, which the worker holds. Someone who can reach Temporal, even holding the payload key,
cannot decide on a subscription without it, and the actor the workflow records is the one the
token names, never a field the caller fills in.

A token is `v1.<claims>.<signature>`, both parts base64url without padding; the claims are
canonical JSON (sorted keys, no spaces): `kind` (operator, user, system), `sub` (the actor's
account id), `wf` (the workflow id), `act` (the update's name), `iat` and `exp` (Unix seconds).
The signature covers `v1.<claims>`.

The key setting may hold several keys, comma-separated: the first signs, each verifies (a
rotation adds the new key second everywhere, then puts it first, then drops the old one).

Standard library only: the workflow's validators call this inside the sandbox.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime

VERSION = "v1"
MIN_KEY_LENGTH = 32  # characters of each key: `openssl rand -hex 32` gives 64


class ActorTokenError(Exception):
    """A token refused; `reason` says why in one word (missing, forged, expired, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ActorClaims:
    """What a token says: who (`kind`, `sub`), on which workflow (`wf`), for which update
    (`act`), from when to when (`iat`, `exp`, Unix seconds)."""

    kind: str
    sub: str
    wf: str
    act: str
    iat: int
    exp: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_keys(setting: str) -> list[bytes]:
    """The keys of the setting, comma-separated; each at least `MIN_KEY_LENGTH` characters."""
    keys = [part.strip() for part in setting.split(",") if part.strip()]
    if not keys:
        raise ValueError("no actor token key")
    for key in keys:
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"each actor token key needs at least {MIN_KEY_LENGTH} characters")
    return [key.encode() for key in keys]


def read_claims(token: str) -> ActorClaims:
    """The claims of a token, signature not checked (a handler reads the token its validator
    verified); `ActorTokenError("malformed")` when it does not parse."""
    return _claims(_parts(token)[1])


def _parts(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise ActorTokenError("malformed", "the actor token does not parse")
    return parts[0], parts[1], parts[2]


def _claims(body: str) -> ActorClaims:
    try:
        fields = json.loads(_unb64(body))
        claims = ActorClaims(**fields)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ActorTokenError("malformed", "the actor token does not parse") from exc
    texts, numbers = (claims.kind, claims.sub, claims.wf, claims.act), (claims.iat, claims.exp)
    if not all(isinstance(t, str) for t in texts) or not all(type(n) is int for n in numbers):
        raise ActorTokenError("malformed", "the actor token's claims have the wrong types")
    return claims


class ActorTokenKeys:
    """Signs and verifies actor tokens with the configured key(s)."""

    def __init__(self, setting: str, lifetime_seconds: int) -> None:
        self._keys = parse_keys(setting)
        self.lifetime_seconds = lifetime_seconds

    def issue(self, kind: str, actor_id: str, workflow_id: str, action: str, now: datetime) -> str:
        """A token for this actor, workflow and update, valid `lifetime_seconds` from `now`."""
        issued = int(now.timestamp())
        claims = ActorClaims(
            kind, actor_id, workflow_id, action, issued, issued + self.lifetime_seconds
        )
        body = _b64(json.dumps(asdict(claims), sort_keys=True, separators=(",", ":")).encode())
        return f"{VERSION}.{body}.{_b64(self._sign(self._keys[0], body))}"

    def verify(
        self, token: str | None, workflow_id: str, action: str, now: datetime
    ) -> ActorClaims:
        """The claims of a token signed by one of the keys, for this workflow and update, not
        expired at `now`; else `ActorTokenError`.

        `now` is the verifier's clock (the workflow's). The issue time is not compared with it
        (the suite runs the services under libfaketime, days ahead of the Temporal dev server):
        a token from a service whose clock is ahead lives longer by the difference, one whose
        clock is behind shorter. The lifetime itself (`exp - iat`) is capped by the setting.
        """
        if not token:
            raise ActorTokenError("missing", "no actor token")
        _, body, signature = _parts(token)
        given = _unb64_or_empty(signature)
        if not any(hmac.compare_digest(self._sign(key, body), given) for key in self._keys):
            raise ActorTokenError("forged", "the actor token's signature does not match")
        claims = _claims(body)
        if claims.wf != workflow_id:
            raise ActorTokenError("other_workflow", "the actor token is for another workflow")
        if claims.act != action:
            raise ActorTokenError("other_action", f"the actor token is for {claims.act}")
        if not 0 < claims.exp - claims.iat <= self.lifetime_seconds:
            raise ActorTokenError("lifetime", "the actor token's lifetime is out of bounds")
        if now.timestamp() >= claims.exp:
            raise ActorTokenError("expired", "the actor token has expired")
        return claims

    @staticmethod
    def _sign(key: bytes, body: str) -> bytes:
        return hmac.new(key, f"{VERSION}.{body}".encode(), hashlib.sha256).digest()


def _unb64_or_empty(text: str) -> bytes:
    try:
        return _unb64(text)
    except (ValueError, binascii.Error):
        return b""
