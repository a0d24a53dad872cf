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
