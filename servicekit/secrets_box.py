"""Encryption of single values at rest (AES-256-GCM): `v1:<key id>:<base64(nonce+ciphertext)>`.

The key id travels in clear, so a row says which key sealed it, and is authenticated as the
associated data, so a text cannot be passed off as sealed by another key.
"""

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
NONCE_BYTES = 12


class SecretBoxError(ValueError):
    """A sealed text this box cannot open: malformed, another key's, or altered."""


class SecretBox:
    """Seals and opens short texts with one AES-256-GCM key, named by its key id."""

    def __init__(self, key_b64: str, key_id: str) -> None:
        try:
            key = base64.b64decode(key_b64, validate=True)
        except binascii.Error as exc:
            raise ValueError("data key must be base64") from exc
        if len(key) != 32:
            raise ValueError("data key must be 32 bytes, base64-encoded")
        if not key_id or ":" in key_id:
            raise ValueError("key id must be non-empty and hold no ':'")
        self._aead = AESGCM(key)
        self.key_id = key_id

    def seal(self, plain: str) -> str:
        """The text encrypted under a fresh random nonce."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain.encode(), self.key_id.encode())
        return f"{VERSION}:{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, text: str) -> str:
        """The text `seal` encrypted; SecretBoxError for anything else."""
        version, key_id, body = _parts(text)
        if version != VERSION:
            raise SecretBoxError(f"unknown sealed-text version {version!r}")
        if key_id != self.key_id:
            raise SecretBoxError(f"unknown data key id {key_id!r}")
        try:
            data = base64.b64decode(body, validate=True)
            plain = self._aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except (binascii.Error, InvalidTag, ValueError) as exc:
            raise SecretBoxError("sealed text altered or not sealed by this key") from exc
        return plain.decode()


def _parts(text: str) -> tuple[str, str, str]:
    parts = text.split(":")
    if len(parts) != 3:
        raise SecretBoxError("not a sealed text (expected v1:<key id>:<base64>)")
    return parts[0], parts[1], parts[2]
