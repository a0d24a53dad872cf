"""Token verification wired to the test session's identity app."""

import httpx
from fastapi import FastAPI

from servicekit.auth import KeySet, TokenVerifier
from servicekit.revocation import SessionCutoffs
from servicekit.settings import PlatformSettings


def identity_verifier(
    identity_app: FastAPI, platform: PlatformSettings, http: httpx.AsyncClient | None = None
) -> TokenVerifier:
    """A verifier holding identity's public key (what its JWKS endpoint publishes) and, given
    a client that reaches identity, reading its ended sessions as the services do."""
    keys = KeySet()
    keys.load(identity_app.state.components.key.jwks())
    cutoffs = None
    if http is not None:
        cutoffs = SessionCutoffs(
            http,
            platform.identity_url,
            platform.service_token,
            refresh_seconds=platform.session_cutoffs_refresh_seconds,
        )
    return TokenVerifier(keys, platform.token_issuer, platform.token_audience, cutoffs)
