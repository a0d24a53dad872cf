"""The erasure endpoint the erasure workflow calls (`/internal/v1`, service token)."""

from fastapi import APIRouter

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep
from servicekit.erasure import ErasureReport
from services.payments import erasure
from services.payments.dependencies import ComponentsDep

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.post("/accounts/{account_id}/erasure", response_model=ErasureReport)
async def erase(account_id: str, session: SessionDep, parts: ComponentsDep) -> ErasureReport:
    """Erase the deleted account's payment methods and specimens, anonymise its invoices
    (idempotent: a repeat reports nothing more done)."""
    return await erasure.erase(session, parts.settings.specimen_dir, account_id)
