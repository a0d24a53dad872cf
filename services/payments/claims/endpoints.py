"""Claim notices ("PAYER UN AVIS DE RÉCLAMATION"): operators issue, anyone finds and pays."""

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from servicekit.auth import CurrentPrincipal, OperatorPrincipal, ServiceCaller
from servicekit.db import SessionDep
from services.payments.claims import csv_import, paying, receipt, service
from services.payments.claims import repository as repo
from services.payments.claims.dependencies import (
    GatewayDep,
    ReceiptsDep,
    SessionsDep,
    SubscriptionsDep,
)
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.claims.models import ClaimNotice, ClaimReceipt
from services.payments.claims.schemas import (
    ClaimNoticeIn,
    ClaimNoticeOut,
    ImportResult,
    LookupIn,
    PayIn,
    PaymentActionOut,
    PaymentOut,
    ReceiptEmailOut,
)
from services.payments.config import CLAIM_RETURN_PATH
from services.payments.dependencies import ComponentsDep
from services.payments.throttling import CLAIM_LOOKUP_THROTTLES, CLAIM_PAYMENT_THROTTLES
from workflows.claims.models import Language

operator_router = APIRouter(prefix="/v1/operator/claim-notices", tags=["claim notices"])
public_router = APIRouter(prefix="/v1/claim-notices", tags=["claim notices"])
internal_router = APIRouter(
    prefix="/internal/v1/claim-notices", tags=["internal"], dependencies=[ServiceCaller]
)


def notice_out(notice: ClaimNotice) -> ClaimNoticeOut:
    return ClaimNoticeOut.model_validate(
        {
            "number": notice.number,
            "plate": notice.plate,
            "site_id": notice.site_id,
            "issued_on": notice.issued_on,
            "amount_cents": notice.amount_cents,
            "due_on": notice.due_on,
            "status": service.shown_status(notice),
            "paid_at": notice.paid_at,
        }
    )


@operator_router.post("", status_code=201, response_model=ClaimNoticeOut)
async def create_notice(
    body: ClaimNoticeIn, session: SessionDep, operator: OperatorPrincipal
) -> ClaimNoticeOut:
    """Issue one claim notice (409 `claim_number_taken` when the number exists)."""
    return notice_out(await service.create(session, operator.account_id, body))


@operator_router.get("", response_model=list[ClaimNoticeOut])
async def latest_notices(
    session: SessionDep,
    _: OperatorPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ClaimNoticeOut]:
    """The notices issued last, newest first (the console lists them under its form)."""
    return [notice_out(n) for n in await repo.latest(session, limit)]


@operator_router.post("/import", response_model=ImportResult)
async def import_notices(
    file: Annotated[UploadFile, File()], session: SessionDep, operator: OperatorPrincipal
) -> ImportResult:
    """Import a CSV: all lines or none, every bad line reported with its field and code."""
    content = await file.read(csv_import.MAX_BYTES + 1)
    return await csv_import.import_csv(session, operator.account_id, content)


@public_router.post("/lookup", response_model=ClaimNoticeOut, dependencies=CLAIM_LOOKUP_THROTTLES)
async def lookup(body: LookupIn, session: SessionDep) -> ClaimNoticeOut:
    """Find a notice by its number and plate (both must match; no login)."""
    return notice_out(await service.find(session, body.number, body.plate))


PAYMENT_ANSWERS: dict[int | str, dict[str, object]] = {
    202: {"model": PaymentActionOut, "description": "3-D Secure: send the payer to action_url"}
}


@public_router.post(
    "/pay",
    response_model=PaymentOut,
    responses=PAYMENT_ANSWERS,
    dependencies=CLAIM_PAYMENT_THROTTLES,
)
async def pay(
    body: PayIn,
    sessions: SessionsDep,
    gateway: GatewayDep,
    receipts: ReceiptsDep,
    parts: ComponentsDep,
) -> PaymentOut | JSONResponse:
    """Pay a notice by card, the payer present (no login): 200 paid, or 202 `requires_action`
    (send the browser to `action_url`; it comes back to the return page, which settles). 409
    `claim_already_paid`, or `claim_payment_in_progress` while another payer's attempt is under
    way; 402 `card_declined`. With an `email`, the receipt is emailed in `language`."""
    outcome = await paying.pay(sessions, gateway, body, _return_url(parts))  # committed
    return await _answer(outcome, receipts)


@public_router.post(
    "/payments/{payment_id}/settle",
    response_model=PaymentOut,
    responses=PAYMENT_ANSWERS,
    dependencies=CLAIM_LOOKUP_THROTTLES,
)
async def settle(
    payment_id: Annotated[str, Path(max_length=36)],
    sessions: SessionsDep,
    gateway: GatewayDep,
    receipts: ReceiptsDep,
    parts: ComponentsDep,
) -> PaymentOut | JSONResponse:
    """The return page's question after 3-D Secure: the attempt as the gateway says it stands,
    recorded (asking again answers the same). 200 paid; 202 still waiting; 402 `card_declined`
    (released, nothing charged); 409 `claim_already_paid` (another attempt paid it); 404
    `claim_payment_not_found`."""
    outcome = await paying.settle(sessions, gateway, payment_id, _return_url(parts))
    return await _answer(outcome, receipts)


def _return_url(parts: ComponentsDep) -> paying.ReturnUrl:
    """The portal's return page of one attempt. The same for every call of an attempt: a lost
    answer is asked again with the same parameters, `return_url` among them."""
    origin = parts.platform.settings.public_web_origin.rstrip("/")
    base = parts.settings.claim_return_url or f"{origin}{CLAIM_RETURN_PATH}"
    return lambda payment_id: f"{base}?paiement={payment_id}"


async def _answer(outcome: paying.Outcome, receipts: ReceiptLifecycle) -> PaymentOut | JSONResponse:
    if outcome.status == "requires_action":
        waiting = PaymentActionOut(payment_id=outcome.payment_id, action_url=outcome.action_url)
        return JSONResponse(waiting.model_dump(), status_code=202)
    paid = outcome.paid()  # declined: 402, nothing charged
    if outcome.newly_paid and paid.email:
        language: Language = "en" if paid.language == "en" else "fr"
        await receipts.email_receipt(paid.id, language)  # a failure leaves the payment be
    return PaymentOut(
        receipt_id=paid.id,
        receipt_number=paid.number,
        notice_number=outcome.notice_number,
        amount_cents=paid.amount_cents,
        paid_at=paid.paid_at,
    )


@public_router.get("/receipts/{receipt_id}")
async def receipt_pdf(
    receipt_id: str, plate: Annotated[str, Query(max_length=20)], session: SessionDep
) -> Response:
    """The receipt PDF, for whoever knows the notice's plate (French, then English)."""
    found, notice = await service.receipt_for(session, receipt_id, plate)
    return _pdf(found, notice)


def _pdf(found: ClaimReceipt, notice: ClaimNotice) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="recu-{found.number}.pdf"'}
    return Response(receipt.render(found, notice), media_type="application/pdf", headers=headers)


@public_router.get("/mine", response_model=list[ClaimNoticeOut])
async def my_notices(
    session: SessionDep, principal: CurrentPrincipal, subscriptions: SubscriptionsDep
) -> list[ClaimNoticeOut]:
    """Notices issued to a plate while it was on a running subscription of the caller (asked
    of subscriptions): registering someone else's plate shows none of their notices."""
    periods = await subscriptions.plate_periods(principal.account_id)
    if not periods:
        return []
    found = await repo.on_plates(session, sorted({p.plate for p in periods}))
    return [notice_out(n) for n in found if any(p.covers(n.plate, n.issued_on) for p in periods)]


@internal_router.get("/receipts/{receipt_id}", response_model=ReceiptEmailOut)
async def receipt_email(receipt_id: str, session: SessionDep) -> ReceiptEmailOut:
    """What the receipt email says, and to whom (the worker asks at send time; 404 if none)."""
    found, notice = await service.receipt_by_id(session, receipt_id)
    return ReceiptEmailOut(
        receipt_id=found.id,
        receipt_number=found.number,
        number=notice.number,
        plate=notice.plate,
        site_id=notice.site_id,
        amount_cents=found.amount_cents,
        paid_at=found.paid_at,
        email=found.email,
        language=found.language,
    )


@internal_router.get("/receipts/{receipt_id}/pdf")
async def receipt_email_pdf(receipt_id: str, session: SessionDep) -> Response:
    """The receipt PDF for the receipt email (French, then English; 404 if none)."""
    return _pdf(*await service.receipt_by_id(session, receipt_id))


router = APIRouter()
router.include_router(operator_router)
router.include_router(public_router)
router.include_router(internal_router)
