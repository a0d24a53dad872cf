"""Password hashing (argon2id), single-use link tokens, and the common-password list."""

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

from services.identity.config import IdentitySettings


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
    return await run_in_threadpool(hasher(settings).hash, password)


async def verify_password(settings: IdentitySettings, stored: str, password: str) -> bool:
    """True when `password` matches `stored`; never raises on a mismatch."""

    def check() -> bool:
        try:
            return hasher(settings).verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await run_in_threadpool(check)


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
