"""The throttle's storage: each process's memory by default, one shared count across replicas
with a shared store (PLATFORM_RATE_LIMIT_STORAGE=redis://...)."""

import socket
import uuid

import pytest

from servicekit.throttle import RateLimited, Throttle

REDIS = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


async def _hits(replicas: list[Throttle], key: str) -> list[bool]:
    """One call on each replica in turn; True when it was let through."""
    outcomes = []
    for replica in replicas:
        try:
            await replica.hit("signup", "address", key)
            outcomes.append(True)
        except RateLimited:
            outcomes.append(False)
    return outcomes


async def test_memory_storage_counts_per_process() -> None:
    a, b = (Throttle("memory://", {"signup": "2/minute"}, "t") for _ in range(2))
    key = uuid.uuid4().hex
    assert await _hits([a, a, a, b], key) == [True, True, False, True]


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
async def test_a_shared_redis_storage_counts_across_replicas() -> None:
    a, b = (Throttle(REDIS, {"signup": "2/minute"}, "t") for _ in range(2))
    key = uuid.uuid4().hex
    assert await _hits([a, b, a, b], key) == [True, True, False, False]


async def test_an_unknown_storage_stops_the_start() -> None:
    with pytest.raises(ValueError, match="rate-limit storage"):
        Throttle("nosuchstore://x", {"signup": "2/minute"}, "t")
