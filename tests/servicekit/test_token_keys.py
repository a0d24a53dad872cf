"""Identity's public keys as the services hold them: an unknown `kid` cannot make every
request fetch the JWKS again (it needs no authentication to send)."""

import asyncio
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from servicekit.auth import InvalidToken, KeySet, TokenVerifier

JWKS_URL = "http://identity.test/.well-known/jwks.json"


def _jwks(key: ec.EllipticCurvePrivateKey, kid: str) -> dict:
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [jwk | {"kid": kid, "alg": "ES256", "use": "sig"}]}


def _token(key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    now = int(time.time())
    claims = {"iss": "i", "aud": "a", "sub": "x", "iat": now, "nbf": now, "exp": now + 60}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


class Identity:
    """A JWKS endpoint that counts how often it is fetched."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = "current"
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json=_jwks(self.key, self.kid))


@pytest.fixture
def identity() -> Identity:
    return Identity()


def _verifier(identity: Identity, **options: float) -> TokenVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.handler))
    return TokenVerifier(KeySet(JWKS_URL, http=http, **options), "i", "a")


async def test_fifty_tokens_with_unknown_kids_cause_at_most_one_refetch(identity):
    verifier = _verifier(identity)
    await verifier.verify(_token(identity.key, "current"))  # the first load
    assert identity.fetches == 1

    for n in range(25):
        with pytest.raises(InvalidToken):
            await verifier.verify(_token(identity.key, f"made-up-{n}"))
    results = await asyncio.gather(
        *(verifier.verify(_token(identity.key, f"made-up-{n}")) for n in range(25, 50)),
        return_exceptions=True,
    )

    assert all(isinstance(r, InvalidToken) for r in results)
    assert identity.fetches <= 2
    assert (await verifier.verify(_token(identity.key, "current")))["sub"] == "x"


async def test_concurrent_first_requests_share_one_fetch(identity):
    verifier = _verifier(identity)
    tokens = [_token(identity.key, "current") for _ in range(20)]
    await asyncio.gather(*(verifier.verify(t) for t in tokens))
    assert identity.fetches == 1


async def test_a_rotated_key_is_found_once_the_interval_allows_a_fetch(identity):
    verifier = _verifier(identity, min_fetch_interval=0.0)
    await verifier.verify(_token(identity.key, "current"))
    identity.key, identity.kid = ec.generate_private_key(ec.SECP256R1()), "next"
    assert (await verifier.verify(_token(identity.key, "next")))["sub"] == "x"
    assert identity.fetches == 2


class Cutoffs:
    """Identity's ended sessions, as `SessionCutoffs.check` answers them."""

    def __init__(self) -> None:
        self.ended: dict[str, int] = {}

    async def check(self, account_id: str, session_version: int) -> bool:
        return session_version >= self.ended.get(account_id, 0)


def _session_token(key: ec.EllipticCurvePrivateKey, kid: str, exp_in: int = 600) -> str:
    now = int(time.time())
    claims = {"iss": "i", "aud": "a", "sub": "x", "sv": 0, "iat": now, "nbf": now}
    claims["exp"] = now + exp_in
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


async def test_a_verified_token_still_fails_once_its_session_ended(identity):
    cutoffs = Cutoffs()
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.handler))
    verifier = TokenVerifier(KeySet(JWKS_URL, http=http), "i", "a", cutoffs)  # type: ignore[arg-type]
    token = _session_token(identity.key, "current")
    assert (await verifier.verify(token))["sub"] == "x"
    assert (await verifier.verify(token))["sub"] == "x"  # from the verified tokens

    cutoffs.ended["x"] = 1  # logout
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


async def test_a_verified_token_is_not_kept_past_its_expiry(identity):
    verifier = _verifier(identity)
    token = _session_token(identity.key, "current", exp_in=1)
    assert (await verifier.verify(token))["sub"] == "x"

    await asyncio.sleep(1.1)  # past its `exp`
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


async def test_a_changed_claim_is_not_the_verified_token(identity):
    verifier = _verifier(identity)
    token = _session_token(identity.key, "current")
    await verifier.verify(token)
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        await verifier.verify(f"{header}.{payload}x.{signature}")
