"""The sandbox gateway on the real database: every documented test number, typed in its hosted
page and redeemed once, and idempotent charges."""

import asyncio
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from services.payments.gateway import (
    CardDeclined,
    CardExpired,
    SingleUseTokenInvalid,
    UnknownToken,
)
from services.payments.sandbox_gateway import SandboxGateway
from services.payments.sandbox_models import SandboxCard, SandboxCharge
from tests.payments.factories import AMEX, MASTERCARD, VISA, PaymentsStack, card_token

NEXT_YEAR = date.today().year + 1


@pytest.fixture
def sandbox(payments: PaymentsStack) -> SandboxGateway:
    return SandboxGateway(payments.app.state.sessionmaker)


def key() -> str:
    return f"test:{uuid.uuid4()}"


@pytest.mark.parametrize(
    ("number", "brand", "last4"),
    [(VISA, "visa", "4242"), (MASTERCARD, "mastercard", "4444"), (AMEX, "amex", "0005")],
)
async def test_success_numbers_redeem_and_capture(
    sandbox: SandboxGateway, payments: PaymentsStack, number: str, brand: str, last4: str
) -> None:
    token = await sandbox.redeem(await card_token(payments, number, exp_year=NEXT_YEAR))
    assert token.token.startswith("tok_") and (token.brand, token.last4) == (brand, last4)
    assert (token.exp_month, token.exp_year) == (12, NEXT_YEAR)
    for _ in range(2):  # every charge is captured
        charge = await sandbox.charge(token.token, 4500, key())
        assert charge.status == "captured" and charge.decline_code is None


async def test_0002_is_refused_at_redemption(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    with pytest.raises(CardDeclined):
        await sandbox.redeem(await card_token(payments, "4000 0000 0000 0002"))


async def test_0069_is_refused_as_expired(sandbox: SandboxGateway, payments: PaymentsStack) -> None:
    with pytest.raises(CardExpired):
        await sandbox.redeem(await card_token(payments, "4000000000000069"))


async def test_0341_redeems_then_every_charge_is_declined(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    token = await sandbox.redeem(await card_token(payments, "4000000000000341"))
    for _ in range(2):
        charge = await sandbox.charge(token.token, 4500, key())
        assert (charge.status, charge.decline_code) == ("declined", "insufficient_funds")


async def test_a_number_outside_the_table_is_refused(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    """Test mode never takes a real card."""
    with pytest.raises(CardDeclined):
        await sandbox.redeem(await card_token(payments, "4111111111111111"))


async def test_a_single_use_token_is_redeemed_once(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    single_use = await card_token(payments)
    await sandbox.redeem(single_use)
    with pytest.raises(SingleUseTokenInvalid):
        await sandbox.redeem(single_use)
    with pytest.raises(SingleUseTokenInvalid):
        await sandbox.redeem("stk_neverIssued")


async def test_two_redemptions_at_once_give_one_card(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    single_use = await card_token(payments)
    answers = await asyncio.gather(
        *(sandbox.redeem(single_use) for _ in range(5)), return_exceptions=True
    )
    assert len([a for a in answers if not isinstance(a, BaseException)]) == 1
    assert all(isinstance(a, SingleUseTokenInvalid) for a in answers if isinstance(a, Exception))


async def test_an_unknown_token_is_not_charged(sandbox: SandboxGateway) -> None:
    with pytest.raises(UnknownToken):
        await sandbox.charge("tok_doesnotexist", 100, key())


async def test_the_same_key_answers_the_first_result(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    token = await sandbox.redeem(await card_token(payments))
    the_key = key()
    first = await sandbox.charge(token.token, 4500, the_key)
    again = await sandbox.charge(token.token, 9900, the_key)
    assert again == first
    assert await _charges(payments, the_key) == 1


async def test_concurrent_calls_with_one_key_charge_once(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    token = await sandbox.redeem(await card_token(payments))
    the_key = key()
    answers = await asyncio.gather(*(sandbox.charge(token.token, 4500, the_key) for _ in range(10)))
    assert len({a.reference for a in answers}) == 1
    assert await _charges(payments, the_key) == 1


async def test_the_sandbox_keeps_the_token_never_the_number(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    token = await sandbox.redeem(await card_token(payments))
    async with payments.app.state.sessionmaker() as session:
        row = await session.get(SandboxCard, token.token)
    assert row is not None and row.last4 == "4242"
    assert "4242424242424242" not in " ".join(str(v) for v in vars(row).values())


async def test_a_customer_present_charge_captures_once_per_key_without_a_challenge(
    sandbox: SandboxGateway, payments: PaymentsStack
) -> None:
    good = await sandbox.redeem(await card_token(payments))
    the_key = key()
    first = await sandbox.charge_customer_present(good.token, 4500, the_key, "https://x.test/r")
    again = await sandbox.charge_customer_present(good.token, 4500, the_key)
    assert (first.status, first.action_url) == ("captured", None) and again == first
    assert await _charges(payments, the_key) == 1
    bad = await sandbox.redeem(await card_token(payments, "4000000000000341"))
    declined = await sandbox.charge_customer_present(bad.token, 4500, key())
    assert (declined.status, declined.decline_code) == ("declined", "insufficient_funds")


async def _charges(payments: PaymentsStack, the_key: str) -> int:
    async with payments.app.state.sessionmaker() as session:
        query = select(func.count()).where(SandboxCharge.idempotency_key == the_key)
        return int(await session.scalar(query) or 0)
