"""A claim notice paid with the payer present, on the sandbox: the challenge card's 3-D Secure
(the hosted challenge page, the return page's settle), an abandoned challenge canceled before a
new attempt, and answers lost in a crash found again instead of charged twice."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, update

from servicekit.db import transaction, utcnow
from services.payments.claims.models import ClaimNotice, ClaimPayment, ClaimReceipt
from services.payments.gateway import CustomerCharge, GatewayUnavailable
from services.payments.sandbox_models import SandboxCharge
from tests.payments.conftest import NoticeFactory
from tests.payments.factories import VISA, PaymentsStack, card_body
from tests.payments.test_hosted_card import hosted  # noqa: F401  (the challenge page's app)

CHALLENGE = "4000 0027 6000 3184"  # Stripe's documented 3-D Secure test number
PAY = "/v1/claim-notices/pay"
RETURN_PATH = "/payer-un-avis-de-reclamation/retour"


async def pay(client: httpx.AsyncClient, notice: dict[str, Any], number: str) -> httpx.Response:
    body = {
        "number": notice["number"],
        "plate": notice["plate"],
        "card": await card_body(client, number),
        "email": "lea@example.org",
    }
    return await client.post(PAY, json=body)


def settle_url(payment_id: str) -> str:
    return f"/v1/claim-notices/payments/{payment_id}/settle"


async def row(payments: PaymentsStack, number: object) -> ClaimNotice:
    async with payments.app.state.sessionmaker() as session:
        found = await session.scalar(select(ClaimNotice).where(ClaimNotice.number == number))
    assert found is not None
    return found


async def shown(client: httpx.AsyncClient, notice: dict[str, Any]) -> str:
    body = {"number": notice["number"], "plate": notice["plate"]}
    return str((await client.post("/v1/claim-notices/lookup", json=body)).json()["status"])


async def charges(payments: PaymentsStack, notice_id: str) -> list[SandboxCharge]:
    async with payments.app.state.sessionmaker() as session:
        query = select(SandboxCharge).where(
            SandboxCharge.idempotency_key.like(f"claim-notice:{notice_id}:%")
        )
        return list((await session.scalars(query)).all())


async def abandon(payments: PaymentsStack, number: object, minutes: int) -> None:
    """The attempt's payer left `minutes` ago (the claim time moved back)."""
    async with transaction(payments.app.state.sessionmaker) as session:
        await session.execute(
            update(ClaimNotice)
            .where(ClaimNotice.number == number)
            .values(claimed_at=utcnow() - timedelta(minutes=minutes))
        )


async def challenged(client: httpx.AsyncClient, notice: dict[str, Any]) -> dict[str, Any]:
    answer = await pay(client, notice, CHALLENGE)
    assert answer.status_code == 202, answer.text
    out: dict[str, Any] = answer.json()
    assert out["status"] == "requires_action" and out["payment_id"]
    return out


def challenge_path(action_url: str) -> str:
    parts = urlsplit(action_url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://localhost:8005"
    return parts.path


async def test_the_challenge_authorized_pays_the_notice_once(
    client: httpx.AsyncClient,
    hosted: httpx.AsyncClient,  # noqa: F811
    notices: NoticeFactory,
    payments: PaymentsStack,
) -> None:
    notice = await notices(amount_cents=6150)
    waiting = await challenged(client, notice)
    assert await shown(client, notice) == "unpaid"  # a payment under way is not a payment
    stored = await row(payments, notice["number"])
    assert stored.status == "authenticating" and stored.payment_reference
    second = await pay(client, notice, VISA)
    assert (second.status_code, second.json()["error"]) == (409, "claim_payment_in_progress")

    path = challenge_path(waiting["action_url"])
    page = await hosted.get(path)
    assert page.status_code == 200
    portal = payments.platform.public_web_origin
    assert f"form-action 'self' {portal};" in page.headers["content-security-policy"]
    text = page.text
    assert text.index("Authentification 3-D Secure") < text.index("3-D Secure authentication")
    assert text.index("Autoriser") < text.index("Authorize") and "Refuser" in text
    assert "61,50" in text.replace("\u00a0", " ")
    answered = await hosted.post(path, data={"decision": "authorize"})
    assert answered.status_code == 303
    back = urlsplit(answered.headers["location"])
    query = parse_qs(back.query)
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{portal}{RETURN_PATH}"
    assert query["paiement"] == [waiting["payment_id"]]
    assert query["redirect_status"] == ["succeeded"]
    assert "plate" not in back.query and notice["plate"] not in back.query

    paid = await client.post(settle_url(waiting["payment_id"]))
    assert paid.status_code == 200, paid.text
    out = paid.json()
    assert out["status"] == "paid" and out["amount_cents"] == 6150
    assert out["notice_number"] == notice["number"]
    again = await client.post(settle_url(waiting["payment_id"]))
    assert again.status_code == 200 and again.json() == out  # settling twice changes nothing
    assert await shown(client, notice) == "paid"
    [charge] = await charges(payments, stored.id)
    assert charge.status == "captured"
    reload = await hosted.get(path)  # the back button: the answer is not asked again
    assert reload.status_code == 303
    assert (await hosted.post(path, data={"decision": "refuse"})).status_code == 303
    [charge] = await charges(payments, stored.id)
    assert charge.status == "captured"


async def test_the_challenge_refused_releases_the_notice_nothing_charged(
    client: httpx.AsyncClient,
    hosted: httpx.AsyncClient,  # noqa: F811
    notices: NoticeFactory,
    payments: PaymentsStack,
) -> None:
    notice = await notices()
    waiting = await challenged(client, notice)
    path = challenge_path(waiting["action_url"])
    refused = await hosted.post(path, data={"decision": "refuse"})
    assert parse_qs(urlsplit(refused.headers["location"]).query)["redirect_status"] == ["failed"]
    declined = await client.post(settle_url(waiting["payment_id"]))
    assert (declined.status_code, declined.json()["error"]) == (402, "card_declined")
    stored = await row(payments, notice["number"])
    assert (stored.status, stored.attempt) == ("unpaid", 1)
    assert (await client.post(settle_url(waiting["payment_id"]))).status_code == 402
    paid = await pay(client, notice, VISA)  # a new attempt, under a new key
    assert paid.status_code == 200, paid.text
    assert sorted(c.status for c in await charges(payments, stored.id)) == [
        "captured",
        "declined",
    ]


async def test_a_merchant_initiated_charge_of_the_challenge_card_needs_authentication(
    payments: PaymentsStack,
) -> None:
    from services.payments.sandbox_gateway import SandboxGateway

    sandbox = SandboxGateway(payments.app.state.sessionmaker)
    token = await sandbox.redeem((await card_body(payments, CHALLENGE))["card_token"])
    answer = await sandbox.charge(token.token, 4500, f"off-session:{token.token}")
    assert (answer.status, answer.decline_code) == ("declined", "authentication_required")


async def test_an_abandoned_challenge_is_canceled_before_a_new_attempt(
    client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    notice = await notices()
    waiting = await challenged(client, notice)
    await abandon(payments, notice["number"], 10)  # within the delay: still the first payer's
    early = await pay(client, notice, VISA)
    assert (early.status_code, early.json()["error"]) == (409, "claim_payment_in_progress")
    await abandon(payments, notice["number"], 16)
    paid = await pay(client, notice, VISA)
    assert paid.status_code == 200, paid.text
    stored = await row(payments, notice["number"])
    found = {c.status for c in await charges(payments, stored.id)}
    assert found == {"canceled", "captured"}
    late = await client.post(settle_url(waiting["payment_id"]))  # the first payer comes back
    assert (late.status_code, late.json()["error"]) == (409, "claim_already_paid")


async def test_a_challenge_answered_but_never_settled_is_found_paid_not_charged_again(
    client: httpx.AsyncClient,
    hosted: httpx.AsyncClient,  # noqa: F811
    notices: NoticeFactory,
    payments: PaymentsStack,
) -> None:
    notice = await notices()
    waiting = await challenged(client, notice)
    # The payer authorized; the browser never reached the return page (closed, crashed).
    await hosted.post(challenge_path(waiting["action_url"]), data={"decision": "authorize"})
    await abandon(payments, notice["number"], 16)
    second = await pay(client, notice, VISA)
    assert (second.status_code, second.json()["error"]) == (409, "claim_already_paid")
    stored = await row(payments, notice["number"])
    assert stored.status == "paid"
    [charge] = await charges(payments, stored.id)
    assert charge.status == "captured"
    async with payments.app.state.sessionmaker() as session:
        receipt = await session.scalar(
            select(ClaimReceipt).where(ClaimReceipt.notice_id == stored.id)
        )
    assert receipt is not None and receipt.gateway_reference == charge.reference
    assert receipt.card_last4 == "3184"  # the first payer's card, not the second's
    shown_receipt = await client.post(settle_url(waiting["payment_id"]))
    assert shown_receipt.status_code == 200 and shown_receipt.json()["receipt_id"] == receipt.id


class LostAnswer:
    """The sandbox, whose customer-present answer is lost after the charge is made (a crash or
    a cut connection between the gateway's capture and the notice's update)."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def charge_customer_present(
        self, token: str, amount_cents: int, key: str, return_url: str | None = None
    ) -> CustomerCharge:
        await self.real.charge_customer_present(token, amount_cents, key, return_url)
        raise GatewayUnavailable(reason="timeout")


async def test_a_capture_whose_answer_was_lost_is_recorded_by_the_next_attempt(
    client: httpx.AsyncClient,
    notices: NoticeFactory,
    payments: PaymentsStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.payments.sandbox_gateway import SandboxGateway

    notice = await notices()
    parts = payments.app.state.components
    real = parts.gateway or SandboxGateway(payments.app.state.sessionmaker)
    with monkeypatch.context() as patched:
        patched.setattr(parts, "gateway", LostAnswer(real))
        lost = await pay(client, notice, VISA)
    assert (lost.status_code, lost.json()["error"]) == (503, "gateway_unavailable")
    stored = await row(payments, notice["number"])
    assert stored.status == "paying" and await shown(client, notice) == "unpaid"
    soon = await pay(client, notice, VISA)
    assert (soon.status_code, soon.json()["error"]) == (409, "claim_payment_in_progress")
    await abandon(payments, notice["number"], 6)
    later = await pay(client, notice, VISA)
    assert (later.status_code, later.json()["error"]) == (409, "claim_already_paid")
    assert await shown(client, notice) == "paid"
    assert len(await charges(payments, stored.id)) == 1  # asked again, never charged twice
    async with payments.app.state.sessionmaker() as session:
        attempts = await session.scalar(
            select(func.count()).where(ClaimPayment.notice_id == stored.id)
        )
    assert attempts == 1
    async with payments.app.state.sessionmaker() as session:
        kept = await session.scalar(
            select(ClaimPayment.card_token).where(ClaimPayment.notice_id == stored.id)
        )
    assert kept == ""  # settled: the reusable card token is not kept


async def test_the_challenge_page_refuses_unknown_charges_and_answers(
    client: httpx.AsyncClient,
    hosted: httpx.AsyncClient,  # noqa: F811
    notices: NoticeFactory,
) -> None:
    assert (await hosted.get("/3ds/ch_NoSuchChargeAtAll")).status_code == 404
    assert (
        await hosted.post("/3ds/ch_NoSuchChargeAtAll", data={"decision": "authorize"})
    ).status_code == 404
    assert (await hosted.get("/3ds/4242424242424242")).status_code == 422
    waiting = await challenged(client, await notices())
    path = challenge_path(waiting["action_url"])
    wrong = await hosted.post(path, data={"decision": "maybe"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "decision"
    assert (await hosted.get(path)).status_code == 200  # still waiting for an answer
