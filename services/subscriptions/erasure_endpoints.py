"""The erasure endpoint the erasure workflow calls (`/internal/v1`, service token)."""

from fastapi import APIRouter

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep
from servicekit.erasure import ErasureReport
from services.subscriptions import erasure
from services.subscriptions.dependencies import ComponentsDep

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.post("/accounts/{account_id}/erasure", response_model=ErasureReport)
async def erase(account_id: str, session: SessionDep, parts: ComponentsDep) -> ErasureReport:
    """Erase the deleted account's vehicles and contracts, anonymise its subscriptions
    (idempotent: a repeat reports nothing more done)."""
    return await erasure.erase(session, parts.plates, account_id)
