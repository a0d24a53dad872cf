"""Encryption of Temporal payloads (AES-256-GCM): personal data never sits in clear in history."""

import base64
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = b"platform-v1"


class EncryptionCodec(PayloadCodec):
    """Encrypts every payload; decodes only what it encrypted, leaves the rest alone."""

    def __init__(self, key_b64: str, key_id: bytes = KEY_ID) -> None:
        key = base64.b64decode(key_b64)
        if len(key) != 32:
            raise ValueError("payload key must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)
        self._key_id = key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt each payload whole (metadata included) into a new payload."""
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt the payloads this codec encrypted."""
        return list(self._decrypt_all(payloads))

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(12)
        data = nonce + self._aead.encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={"encoding": ENCODING, "encryption-key-id": self._key_id}, data=data
        )

    def _decrypt_all(self, payloads: Iterable[Payload]) -> Iterable[Payload]:
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                yield payload
                continue
            if payload.metadata.get("encryption-key-id") != self._key_id:
                raise ValueError("unknown payload encryption key")
            plain = self._aead.decrypt(payload.data[:12], payload.data[12:], None)
            yield Payload.FromString(plain)
