"""Claim notices' rules: issue, find by number and plate, show receipts (no commit here; paying
is `paying`)."""

import uuid

from pydantic_core import PydanticCustomError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.formats import normalize_plate
from services.payments.claims import repository as repo
from services.payments.claims.errors import (
    ClaimNotFound,
    ClaimNumberTaken,
    ReceiptNotFound,
)
from services.payments.claims.models import ClaimNotice, ClaimReceipt
from services.payments.claims.schemas import ClaimNoticeIn


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
