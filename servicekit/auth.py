"""Access-token verification against identity's JWKS, and the service token of internal calls."""

import asyncio
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Header
from jwt import PyJWK

from servicekit.errors import Forbidden, Unauthorized
from servicekit.revocation import SessionCutoffs
from servicekit.settings import PlatformSettings, platform_settings

ACCESS_TOKEN_TYPE = "at+jwt"
ALLOWED_ALGORITHMS = ["ES256"]  # one asymmetric algorithm: no `none`, no RS/HS confusion


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account id and its role."""

    account_id: str
    role: str
    issued_at: int

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


class InvalidToken(Unauthorized):
    code = "invalid_token"


class KeySet:
    """Public keys by `kid`, loaded from a JWKS document and refreshed when stale or on an
    unknown `kid`; fetches are at most one per `min_fetch_interval` seconds, so tokens with
    made-up `kid`s (no authentication needed to send them) cannot make every request a fetch."""

    def __init__(
        self,
        jwks_url: str | None = None,
        refresh_every: float = 300.0,
        min_fetch_interval: float = 30.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = jwks_url
        self._keys: dict[str, PyJWK] = {}
        self._loaded_at = 0.0
        self._fetched_at: float | None = None
        self._refresh_every = refresh_every
        self._min_fetch_interval = min_fetch_interval
        self._http = http
        self._lock = asyncio.Lock()

    def load(self, jwks: dict[str, Any]) -> None:
        """Replace the keys with those of a JWKS document."""
        self._keys = {k["kid"]: PyJWK(k) for k in jwks.get("keys", []) if "kid" in k}
        self._loaded_at = time.monotonic()

    async def key(self, kid: str) -> PyJWK:
        """The key for `kid`, fetching the JWKS again when it is unknown or stale (rate-limited)."""
        if self._url and (kid not in self._keys or self._stale()):
            async with self._lock:  # concurrent requests wait for one fetch
                if (kid not in self._keys or self._stale()) and self._may_fetch():
                    await self._fetch(self._url)
        if kid not in self._keys:
            raise InvalidToken()
        return self._keys[kid]

    def _stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._refresh_every

    def _may_fetch(self) -> bool:
        last = self._fetched_at
        return last is None or time.monotonic() - last >= self._min_fetch_interval

    async def _fetch(self, url: str) -> None:
        self._fetched_at = time.monotonic()  # a failed fetch counts too: no retry storm
        if self._http is not None:
            response = await self._http.get(url)
        else:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(url)
        response.raise_for_status()
        self.load(response.json())


class VerifiedTokens:
    """Tokens whose signature and claims were checked, kept for at most `seconds` and never past
    their `exp`; at most `size` of them (the least recently used leave first). Verifying an
    ES256 signature costs ~0.1 ms of CPU at rest, and several times that on a busy machine:
    every request of a user's page paid it again (issue 14). What is kept is only that check:
    whether the token's session has ended is asked on every use (`TokenVerifier._live`)."""

    def __init__(self, seconds: float = 60.0, size: int = 4096) -> None:
        self._seconds, self._size = seconds, size
        self._entries: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = OrderedDict()

    def get(self, token: str, expected_type: str) -> dict[str, Any] | None:
        found = self._entries.get((token, expected_type))
        if found is None:
            return None
        until, claims = found
        if time.time() >= until:
            del self._entries[(token, expected_type)]
            return None
        self._entries.move_to_end((token, expected_type))
        return claims

    def put(self, token: str, expected_type: str, claims: dict[str, Any]) -> None:
        until = min(time.time() + self._seconds, float(claims["exp"]))
        self._entries[(token, expected_type)] = (until, claims)
        self._entries.move_to_end((token, expected_type))
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class TokenVerifier:
    """Verify an access token: signature first, then alg, typ, exp, nbf, iss and aud."""

    def __init__(
        self,
        keys: KeySet,
        issuer: str,
        audience: str,
        cutoffs: SessionCutoffs | None = None,
        verified: VerifiedTokens | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        # Ended sessions published by identity (None in identity itself: it reads its database).
        self.cutoffs = cutoffs
        self.verified = verified if verified is not None else VerifiedTokens()

    async def verify(self, token: str, expected_type: str = ACCESS_TOKEN_TYPE) -> dict[str, Any]:
        """The token's claims, or `InvalidToken`; `jku`/`x5u`/`jwk` headers are never followed.
        A token verified within the last minute is not verified again; its session is."""
        claims = self.verified.get(token, expected_type)
        if claims is None:
            claims = await self._verified(token, expected_type)
            self.verified.put(token, expected_type, claims)
        if self.cutoffs is not None and not await self._live(claims):
            raise InvalidToken()
        return dict(claims)

    async def _verified(self, token: str, expected_type: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALLOWED_ALGORITHMS or header.get("typ") != expected_type:
                raise InvalidToken()
            key = await self.keys.key(str(header.get("kid", "")))
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=ALLOWED_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "nbf", "iat", "sub", "aud", "iss"]},
            )
        except (jwt.PyJWTError, httpx.HTTPError, ValueError) as exc:
            raise InvalidToken() from exc
        return claims

    async def _live(self, claims: dict[str, Any]) -> bool:
        """Whether the token's session has not ended (logout, password change, deletion)."""
        assert self.cutoffs is not None
        version = claims.get("sv")
        if not isinstance(version, int) or isinstance(version, bool):
            return False  # every token identity issues carries its session version
        return await self.cutoffs.check(str(claims["sub"]), version)


_verifier: TokenVerifier | None = None


def configure_verifier(verifier: TokenVerifier) -> None:
    """Install the verifier the `CurrentPrincipal` dependency uses (done in each app's lifespan)."""
    global _verifier
    _verifier = verifier


def default_verifier(settings: PlatformSettings | None = None) -> TokenVerifier:
    """A verifier reading identity's published JWKS and its list of ended sessions."""
    s = settings or platform_settings()
    keys = KeySet(f"{s.identity_url}/.well-known/jwks.json")
    cutoffs = SessionCutoffs(
        httpx.AsyncClient(timeout=5.0),  # lives as long as the process
        s.identity_url,
        s.service_token,
        refresh_seconds=s.session_cutoffs_refresh_seconds,
    )
    return TokenVerifier(keys, s.token_issuer, s.token_audience, cutoffs)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer ...` header."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized()
    return authorization[7:].strip()


async def current_principal(
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    """The caller of a public endpoint, from its bearer access token."""
    if _verifier is None:
        raise RuntimeError("token verifier not configured")
    claims = await _verifier.verify(bearer_token(authorization))
    return Principal(str(claims["sub"]), str(claims.get("role", "user")), int(claims["iat"]))


async def operator_principal(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """The caller, who must hold the operator role."""
    if not principal.is_operator:
        raise Forbidden()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OperatorPrincipal = Annotated[Principal, Depends(operator_principal)]


class InvalidServiceToken(Unauthorized):
    code = "invalid_service_token"


def service_token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented service token."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


@cache
def _expected_service_token() -> str:
    """The platform's service token, read once per process: the settings (environment and
    `.env` file) were read again on every internal call (issue 14)."""
    return platform_settings().service_token


async def require_service_token(
    x_service_token: Annotated[str | None, Header()] = None,
) -> None:
    """Internal endpoints answer only the platform's own components."""
    if not service_token_matches(x_service_token, _expected_service_token()):
        raise InvalidServiceToken()


ServiceCaller = Depends(require_service_token)
