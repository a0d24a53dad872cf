"""A claim notice paid by two people at the same moment is paid, and charged, once; and no card
number is left anywhere in the payments database afterwards."""

import asyncio

import httpx
from sqlalchemy import MetaData, func, select

from servicekit.cards import contains_card_number
from services.payments.claims.models import ClaimNotice
from services.payments.sandbox_models import SandboxCharge
from tests.payments.conftest import NoticeFactory
from tests.payments.factories import AMEX, MASTERCARD, VISA, PaymentsStack, card_body


async def _pay(
    client: httpx.AsyncClient, notice: dict[str, object], number: str
) -> dict[str, object]:
    card = await card_body(client, number)
    return {"number": notice["number"], "plate": notice["plate"], "card": card}


async def _gateway_charges(payments: PaymentsStack, number: object) -> int:
    async with payments.app.state.sessionmaker() as session:
        notice_id = await session.scalar(select(ClaimNotice.id).where(ClaimNotice.number == number))
        query = select(func.count()).where(
            SandboxCharge.idempotency_key.like(f"claim-notice:{notice_id}:%")
        )
        return int(await session.scalar(query) or 0)


async def test_two_payers_at_once_one_succeeds_one_is_refused_and_not_charged(
    client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    for _ in range(3):  # a race lost once by luck proves nothing: run it a few times
        notice = await notices()
        first, second = await asyncio.gather(
            client.post("/v1/claim-notices/pay", json=(await _pay(client, notice, VISA))),
            client.post("/v1/claim-notices/pay", json=(await _pay(client, notice, MASTERCARD))),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409], (first.text, second.text)
        loser = first if first.status_code == 409 else second
        # Refused while the winner's charge is under way, or once it is paid: never charged.
        assert loser.json()["error"] in ("claim_payment_in_progress", "claim_already_paid")
        assert await _gateway_charges(payments, notice["number"]) == 1


async def test_no_card_number_anywhere_in_the_database_after_payments(
    client: httpx.AsyncClient, notices: NoticeFactory, payments: PaymentsStack
) -> None:
    for number in (VISA, MASTERCARD, AMEX, "4000000000000341"):
        notice = await notices()
        answer = await client.post(
            "/v1/claim-notices/pay", json=(await _pay(client, notice, number))
        )
        assert answer.status_code in (200, 402), answer.text
    engine = payments.app.state.sessionmaker.kw["bind"]
    async with engine.connect() as conn:
        metadata = MetaData()
        await conn.run_sync(metadata.reflect)
        leaks = []
        for table in metadata.sorted_tables:
            for row in await conn.execute(select(table)):
                leaks += [
                    (table.name, k)
                    for k, v in row._mapping.items()
                    if v is not None and contains_card_number(str(v))
                ]
    assert metadata.tables, "the scan read no table"
    assert leaks == []
