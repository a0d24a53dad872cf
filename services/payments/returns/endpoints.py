"""Returns files: the operators' upload, the pickup folder (internal) and the portal's banner."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from servicekit.auth import CurrentPrincipal, OperatorPrincipal, ServiceCaller
from servicekit.db import SessionDep, transaction
from services.payments.claims.dependencies import ReceiptsDep, SessionsDep
from services.payments.dependencies import ComponentsDep
from services.payments.repository import methods_of
from services.payments.returns import pickup, relay, service
from services.payments.returns import repository as repo
from services.payments.returns.schemas import BankDetailsRefusedOut, ReturnsImportOut

operator_router = APIRouter(prefix="/v1/operator/pad-returns", tags=["operator"])
router = APIRouter(prefix="/v1/pad-returns", tags=["payment methods"])
internal_router = APIRouter(
    prefix="/internal/v1/pad-returns", tags=["internal"], dependencies=[ServiceCaller]
)


@operator_router.post("", response_model=ReturnsImportOut)
async def import_returns(
    file: Annotated[UploadFile, File()],
    sessions: SessionsDep,
    temporal: ReceiptsDep,
    operator: OperatorPrincipal,
) -> ReturnsImportOut:
    """Import the bank's CPA-005 returns file: all of it or nothing (422 naming the line);
    the same file again changes nothing."""
    content = await file.read(service.MAX_BYTES + 1)
    async with transaction(sessions) as session:
        result = await service.import_returns(
            session, content, file.filename or "returns.txt", operator.account_id
        )
    await relay.tell_workflows(temporal, sessions, result.items)
    return result


@router.get("/bank-details-refused", response_model=list[BankDetailsRefusedOut])
async def bank_details_refused(
    session: SessionDep, principal: CurrentPrincipal
) -> list[BankDetailsRefusedOut]:
    """The caller's bank accounts whose last return says the account cannot be debited."""
    refused = []
    for method in await methods_of(session, principal.account_id):
        if method.kind != "pad":
            continue
        last = await repo.refusal_of(session, method)
        if last is not None:
            refused.append(
                BankDetailsRefusedOut(
                    payment_method_id=method.id,
                    subscription_id=last.subscription_id,
                    reason_code=last.reason_code,
                    account_last4=method.account_last4,
                )
            )
    return refused


@internal_router.post("/pickup", response_model=pickup.PickupOut)
async def pickup_folder(
    sessions: SessionsDep, temporal: ReceiptsDep, parts: ComponentsDep
) -> pickup.PickupOut:
    """Import the returns files waiting in `<pad_returns_dir>/incoming` (the pickup Schedule)."""
    return await pickup.pickup(sessions, parts.settings.pad_returns_dir, temporal)
