"""The ES256 signing key: loaded from (or created at) its file, published as a JWKS."""

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from servicekit.auth import ACCESS_TOKEN_TYPE


@dataclass(frozen=True)
class SigningKey:
    """A private key and its key id (the thumbprint-like `kid` published in the JWKS)."""

    private_key: ec.EllipticCurvePrivateKey
    kid: str

    def jwks(self) -> dict[str, Any]:
        """The public half as a JWKS document."""
        jwk = json.loads(ECAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "ES256"})
        return {"keys": [jwk]}

    def sign_access_token(
        self,
        *,
        account_id: str,
        role: str,
        issuer: str,
        audience: str,
        minutes: int,
        session_version: int,
    ) -> str:
        """A short-lived access token for one account, in its current session version (`sv`)."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": account_id,
            "role": role,
            "iat": now,
            "nbf": now,
            "exp": now + minutes * 60,
            "jti": str(uuid.uuid4()),
            "sv": session_version,
        }
        headers = {"kid": self.kid, "typ": ACCESS_TOKEN_TYPE}
        return jwt.encode(claims, self.private_key, algorithm="ES256", headers=headers)


def _kid(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return uuid.uuid5(uuid.NAMESPACE_OID, der.hex()).hex[:16]


def _load(file: Path) -> SigningKey:
    loaded = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError("signing key must be an EC P-256 private key")
    return SigningKey(loaded, _kid(loaded))


def load_or_create(path: str) -> SigningKey:
    """The key in `path`, created (mode 0600) on first start.

    Creation is exclusive: when two processes start together, one writes and both use its key.
    """
    file = Path(path)
    if file.exists():
        return _load(file)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    try:
        os.link(partial, file)  # fails if another process published its key first
    except FileExistsError:
        pass
    finally:
        partial.unlink()
    return _load(file)
