"""Password hashing (argon2id), single-use link tokens, and the common-password list."""

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import resources
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity.config import IdentitySettings

# argon2id hashes on threads of their own, one per core: each hash takes a core and 19 MiB
# (RULES.md), so more at once only queue in the kernel, and every thread that ever hashed keeps
# its 19 MiB in the C allocator's arena (20 logins at once on the shared thread pool left the
# process 300 MiB larger after the load: README, « Accounts »).
HASHING_THREADS = os.cpu_count() or 2
_hashing = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")
T = TypeVar("T")


async def _on_hashing_thread(work: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hashing, work)


@lru_cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher(settings: IdentitySettings) -> PasswordHasher:
    """The argon2id hasher with the configured cost (RULES: t=2, m=19456 KiB, p=1)."""
    return _hasher(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


async def hash_password(settings: IdentitySettings, password: str) -> str:
    """Hash off the event loop: argon2 is CPU-bound by design."""
    hash_with = hasher(settings)
    return await _on_hashing_thread(lambda: hash_with.hash(password))


async def verify_password(settings: IdentitySettings, stored: str, password: str) -> bool:
    """True when `password` matches `stored`; never raises on a mismatch."""

    def check() -> bool:
        try:
            return hasher(settings).verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await _on_hashing_thread(check)


def dummy_hash(settings: IdentitySettings) -> str:
    """A hash to verify against when the account does not exist, so timing reveals nothing."""
    return _dummy_hash(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


@lru_cache
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash(secrets.token_urlsafe(16))


def link_token(secret: str, purpose: str, account_id: str, key: str) -> str:
    """A 256-bit link token derived from the idempotency key: a retry resends the same link."""
    mac = hmac.new(secret.encode(), f"{purpose}:{account_id}:{key}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_opaque_token() -> str:
    """A random refresh token (256 bits)."""
    return secrets.token_urlsafe(32)


@lru_cache
def common_passwords() -> frozenset[str]:
    """Passwords refused because they are among the most used (lower-cased)."""
    text = resources.files("services.identity").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())
