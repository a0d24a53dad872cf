"""Encryption of Temporal payloads (AES-256-GCM): personal data never sits in clear in history.

Encryption is also the platform's proof that a payload came from one of its own components:
only they hold the key. The platform's clients and workers decode with `refuse_plain`, so a
payload someone wrote without the key (`temporal workflow update execute ... --input '{...}'`
from any host that reaches Temporal's frontend) is not read as the command it looks like.
It is not refused by raising here, which would fail the whole workflow task again and again
(a stuck workflow); it is replaced by a payload of an encoding no converter reads, so only that
update, signal or query fails: an update is rejected before its validator, a signal is dropped.
"""

import base64
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = b"platform-v1"
# What an unencrypted payload becomes under `refuse_plain`: no payload converter knows it, so
# converting it raises "Unknown payload encoding binary/unencrypted-refused".
REFUSED_ENCODING = b"binary/unencrypted-refused"


class EncryptionCodec(PayloadCodec):
    """Encrypts every payload; decodes what it encrypted. Other payloads are left alone (the
    Web UI's codec relay shows them as they are) or, with `refuse_plain`, made unreadable."""

    def __init__(self, key_b64: str, key_id: bytes = KEY_ID, refuse_plain: bool = False) -> None:
        key = base64.b64decode(key_b64)
        if len(key) != 32:
            raise ValueError("payload key must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)
        self._key_id = key_id
        self._refuse_plain = refuse_plain

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
                yield _refused() if self._refuse_plain else payload
                continue
            if payload.metadata.get("encryption-key-id") != self._key_id:
                raise ValueError("unknown payload encryption key")
            plain = self._aead.decrypt(payload.data[:12], payload.data[12:], None)
            yield Payload.FromString(plain)


def _refused() -> Payload:
    return Payload(metadata={"encoding": REFUSED_ENCODING}, data=b"")
