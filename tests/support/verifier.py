"""Token verification wired to the test session's identity app."""

from fastapi import FastAPI

from servicekit.auth import KeySet, TokenVerifier
from servicekit.settings import PlatformSettings


def identity_verifier(identity_app: FastAPI, platform: PlatformSettings) -> TokenVerifier:
    """A verifier holding identity's public key (what its JWKS endpoint publishes)."""
    keys = KeySet()
    keys.load(identity_app.state.components.key.jwks())
    return TokenVerifier(keys, platform.token_issuer, platform.token_audience)
