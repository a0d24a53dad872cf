"""Claim notices' rules: issue, find by number and plate, pay once (no commit here)."""

import secrets
import string
import uuid
from datetime import datetime, timedelta

from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import transaction, utcnow
from servicekit.formats import normalize_plate
from services.payments import metrics
from services.payments.claims import repository as repo
from services.payments.claims.errors import (
    ClaimAlreadyPaid,
    ClaimNotFound,
    ClaimNumberTaken,
    ReceiptNotFound,
)
from services.payments.claims.models import ClaimNotice, ClaimReceipt
from services.payments.claims.schemas import ClaimNoticeIn, PayIn
from services.payments.gateway import CardDeclined, CardToken, PaymentGateway

# A payment that claimed a notice and then vanished (crash, lost connection) holds it this
# long; the next payer then retries under the same idempotency key, so a charge the vanished
# one did capture is answered again instead of being taken twice.
STALE_CLAIM = timedelta(minutes=5)


def new_notice(data: ClaimNoticeIn, operator_id: str) -> ClaimNotice:
    """A notice row from an operator's input."""
    return ClaimNotice(
        id=str(uuid.uuid4()),
        status="unpaid",
        attempt=0,
        created_by=operator_id,
        **data.model_dump(),
    )


async def create(session: AsyncSession, operator_id: str, data: ClaimNoticeIn) -> ClaimNotice:
    """Issue one notice; 409 `claim_number_taken` when its number exists."""
    if await repo.by_number(session, data.number):
        raise ClaimNumberTaken("number")
    notice = new_notice(data, operator_id)
    session.add(notice)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same number issued at the same moment
        raise ClaimNumberTaken("number") from exc
    return notice


def _plate_or_none(value: str) -> str | None:
    try:
        return normalize_plate(value)
    except PydanticCustomError:
        return None


async def find(session: AsyncSession, number: str, plate: str) -> ClaimNotice:
    """The notice with this number on this plate; the same 404 whichever one is wrong."""
    notice = await repo.by_number(session, number.strip())
    if notice is None or notice.plate != _plate_or_none(plate):
        raise ClaimNotFound()
    return notice


def shown_status(notice: ClaimNotice) -> str:
    """A payment under way is not a payment: the notice reads unpaid until it is captured."""
    return "paid" if notice.status == "paid" else "unpaid"


def idempotency_key(notice: ClaimNotice) -> str:
    """One key per notice and attempt (a declined attempt frees the notice for a new key)."""
    return f"claim-notice:{notice.id}:{notice.attempt}"


async def pay(
    sessions: async_sessionmaker[AsyncSession], gateway: PaymentGateway, data: PayIn
) -> ClaimReceipt:
    """Redeem the card's token, claim the notice atomically, charge it, then record the receipt
    or release it.

    Each step is its own short transaction: no transaction is held across the gateway call.
    """
    async with transaction(sessions) as session:
        notice = await find(session, data.number, data.plate)
        if notice.status == "paid":
            raise ClaimAlreadyPaid()
    token = await gateway.redeem(data.card.card_token)
    async with transaction(sessions) as session:
        now = utcnow()
        if not await repo.claim(session, notice.id, now, now - STALE_CLAIM):
            raise ClaimAlreadyPaid()
        notice = await find(session, data.number, data.plate)  # its attempt, as claimed
    charge = await gateway.charge(token.token, notice.amount_cents, idempotency_key(notice))
    async with transaction(sessions) as session:
        if charge.status != "captured":
            await repo.release(session, notice.id)
            raise CardDeclined(keep_changes=True, decline_code=charge.decline_code)
        receipt = await _paid(session, notice, token, charge.reference, data)
    metrics.claim_notice_paid()
    return receipt


async def _paid(
    session: AsyncSession, notice: ClaimNotice, token: CardToken, reference: str, data: PayIn
) -> ClaimReceipt:
    now = utcnow()
    await repo.mark_paid(session, notice.id, now)
    receipt = ClaimReceipt(
        id=str(uuid.uuid4()),
        number=_receipt_number(now),
        notice_id=notice.id,
        amount_cents=notice.amount_cents,
        paid_at=now,
        card_brand=token.brand,
        card_last4=token.last4,
        gateway_reference=reference,
        email=data.email,
        language=data.language,
    )
    session.add(receipt)
    await session.flush()
    return receipt


def _receipt_number(now: datetime) -> str:
    suffix = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))
    return f"RA-{now:%Y%m%d}-{suffix}"


async def receipt_for(
    session: AsyncSession, receipt_id: str, plate: str
) -> tuple[ClaimReceipt, ClaimNotice]:
    """A receipt and its notice, shown to whoever knows the notice's plate (404 otherwise)."""
    receipt, notice = await receipt_by_id(session, receipt_id)
    if notice.plate != _plate_or_none(plate):
        raise ReceiptNotFound()
    return receipt, notice


async def receipt_by_id(session: AsyncSession, receipt_id: str) -> tuple[ClaimReceipt, ClaimNotice]:
    """A receipt and its notice, for the platform's own components (404 when missing)."""
    receipt = await repo.receipt(session, receipt_id)
    notice = None if receipt is None else await session.get(ClaimNotice, receipt.notice_id)
    if receipt is None or notice is None:
        raise ReceiptNotFound()
    return receipt, notice
