"""Public payments endpoints are throttled: claim notice lookup and payment per address, card
add and update per address and per account (item 9 of issue 10). Each limit is set low here;
the (N+1)th call answers 429 with a French-first message and Retry-After."""

from collections.abc import Iterator

import httpx
import pytest

from servicekit.throttle import Throttle
from tests.payments.factories import PAYMENTS, PaymentsStack, card_body
from tests.subscriptions.factories import UserFactory

RULES = {
    "claim_lookup": "3/minute",
    "claim_payment": "2/hour",
    "card_address": "3/hour",
    "card_account": "2/hour",
}


@pytest.fixture
def throttled(payments: PaymentsStack) -> Iterator[None]:
    """The session's payments app with low limits, in a memory store of this test's own."""
    # Swapped by hand: monkeypatch's undo loses attributes of Starlette's `State`.
    state = payments.app.state
    saved = state.throttle
    state.throttle = Throttle("memory://", RULES, payments.platform.service_token)
    yield
    state.throttle = saved


def _client(payments: PaymentsStack, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=payments.app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url=PAYMENTS)


def assert_throttled(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["error"] == "rate_limited"
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 3600 and body["details"]["retry_after"] == wait
    assert body["message"]["fr"].startswith("Trop de demandes. Réessayez dans ")
    assert body["message"]["en"].startswith("Too many requests. Try again in ")


@pytest.mark.usefixtures("throttled")
async def test_the_fourth_claim_lookup_from_an_address_is_refused(payments, notices) -> None:
    notice = await notices()
    query = {"number": notice["number"], "plate": notice["plate"]}
    async with _client(payments, "198.51.100.21") as client:
        answers = [await client.post("/v1/claim-notices/lookup", json=query) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert_throttled(answers[3])
    async with _client(payments, "198.51.100.22") as other:  # another address still gets in
        assert (await other.post("/v1/claim-notices/lookup", json=query)).status_code == 200


@pytest.mark.usefixtures("throttled")
async def test_the_third_claim_payment_from_an_address_is_refused(payments) -> None:
    unknown = {"number": "AR-NOPE", "plate": "ABC123", "card": (await card_body(payments))}
    async with _client(payments, "198.51.100.23") as client:
        answers = [await client.post("/v1/claim-notices/pay", json=unknown) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [404, 404]
    assert_throttled(answers[2])


@pytest.mark.usefixtures("throttled")
async def test_cards_are_throttled_per_account_and_per_address(
    payments, users: UserFactory
) -> None:
    first, second = await users(), await users()
    async with _client(payments, "198.51.100.24") as client:
        card = "/v1/payment-methods/card"
        mine = [
            await client.post(card, json=(await card_body(payments)), headers=first.headers)
            for _ in range(3)
        ]
        assert [a.status_code for a in mine[:2]] == [201, 201]
        assert_throttled(mine[2])  # the account's third card within the hour
        # The address has spent 3 (the refused one counted): a second account from it is refused.
        other = await client.post(card, json=(await card_body(payments)), headers=second.headers)
        assert_throttled(other)
    async with _client(payments, "198.51.100.25") as elsewhere:
        ok = await elsewhere.post(card, json=(await card_body(payments)), headers=second.headers)
        assert ok.status_code == 201, ok.text


async def test_forwarded_addresses_count_only_from_the_web_front_end(
    payments, notices, throttled
) -> None:
    notice = await notices()
    query = {"number": notice["number"], "plate": notice["plate"]}
    token = {"X-Service-Token": payments.platform.service_token}
    async with _client(payments, "198.51.100.26") as client:
        for i in range(4):  # forged forwarded addresses: still one client
            forged = {"X-Forwarded-For": f"203.0.113.{i}"}
            last = await client.post("/v1/claim-notices/lookup", json=query, headers=forged)
        assert_throttled(last)
        for i in range(3):  # the web front end's browsers, each its own address
            forwarded = token | {"X-Forwarded-For": f"203.0.113.{50 + i}"}
            ok = await client.post("/v1/claim-notices/lookup", json=query, headers=forwarded)
            assert ok.status_code == 200
