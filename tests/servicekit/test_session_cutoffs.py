"""Identity's ended sessions as subscriptions and payments hold them (`servicekit.revocation`)."""

import httpx
import pytest

from servicekit.revocation import RevocationUnavailable, SessionCutoffs


class Identity:
    """`GET /internal/v1/session-cutoffs`, counting calls; `down` answers 503."""

    def __init__(self) -> None:
        self.cutoffs: list[dict] = []
        self.calls = 0
        self.down = False
        self.tokens: set[str | None] = set()

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.tokens.add(request.headers.get("X-Service-Token"))
        if self.down:
            return httpx.Response(503)
        return httpx.Response(200, json={"cutoffs": self.cutoffs})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def identity() -> Identity:
    return Identity()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cutoffs(identity: Identity, clock: Clock) -> SessionCutoffs:
    http = httpx.AsyncClient(transport=httpx.MockTransport(identity.handler))
    return SessionCutoffs(
        http,
        "http://identity.test",
        "svc",
        refresh_seconds=2.0,
        max_stale_seconds=30.0,
        clock=clock,
    )


async def test_an_ended_session_is_refused_once_the_list_is_refreshed(identity, clock, cutoffs):
    assert await cutoffs.check("a", 0)
    identity.cutoffs = [{"account_id": "a", "session_version": 1, "closed": False}]
    clock.now += 2.0

    assert not await cutoffs.check("a", 0)  # issued before the logout
    assert await cutoffs.check("a", 1)  # issued after it
    assert await cutoffs.check("b", 0)  # another account
    assert identity.tokens == {"svc"}


async def test_a_closed_account_refuses_every_token(identity, cutoffs):
    identity.cutoffs = [{"account_id": "a", "session_version": 3, "closed": True}]
    assert not await cutoffs.check("a", 3)
    assert not await cutoffs.check("a", 99)


async def test_the_list_is_fetched_once_per_refresh_interval(identity, clock, cutoffs):
    for _ in range(50):
        await cutoffs.check("a", 0)
    clock.now += 1.9
    await cutoffs.check("a", 0)
    assert identity.calls == 1
    clock.now += 0.1
    await cutoffs.check("a", 0)
    assert identity.calls == 2


async def test_while_identity_is_down_the_last_list_serves_then_tokens_are_refused(
    identity, clock, cutoffs
):
    identity.cutoffs = [{"account_id": "a", "session_version": 1, "closed": False}]
    assert await cutoffs.check("a", 1)
    identity.down = True
    clock.now += 29.0
    assert not await cutoffs.check("a", 0)  # the last list still applies
    assert await cutoffs.check("a", 1)
    clock.now += 2.0
    with pytest.raises(RevocationUnavailable):
        await cutoffs.check("a", 1)
    identity.down = False
    clock.now += 2.0
    assert await cutoffs.check("a", 1)


async def test_nothing_is_accepted_before_identity_has_answered_once(identity, cutoffs):
    identity.down = True
    with pytest.raises(RevocationUnavailable):
        await cutoffs.check("a", 0)
