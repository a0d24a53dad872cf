"""Passwords hash on a few threads of their own, one per core: each argon2id hash takes 19 MiB
(RULES.md), and a thread that hashed keeps that memory, so 20 logins at once must not spread
their hashes over 20 threads."""

import asyncio
import threading

from services.identity.config import IdentitySettings
from services.identity.security import HASHING_THREADS, hash_password, verify_password


async def test_twenty_hashes_at_once_use_one_thread_per_core_and_all_verify() -> None:
    settings = IdentitySettings()
    passwords = [f"Stationnement-{n}!" for n in range(20)]
    hashes = await asyncio.gather(*(hash_password(settings, p) for p in passwords))
    checks = await asyncio.gather(
        *(verify_password(settings, h, p) for h, p in zip(hashes, passwords, strict=True)),
        verify_password(settings, hashes[0], "pas le bon mot de passe"),
    )
    assert checks == [True] * 20 + [False]
    hashing = [t for t in threading.enumerate() if t.name.startswith("argon2")]
    assert 1 <= len(hashing) <= HASHING_THREADS
