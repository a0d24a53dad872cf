"""The export jobs' endpoints (internal): the nightly CPA-005 file and the monthly payroll CSVs."""

from fastapi import APIRouter

from servicekit.auth import ServiceCaller
from services.payments.dependencies import ComponentsDep, PlatformDep
from services.payments.exports import service
from services.payments.schemas import Cpa005In, Cpa005Out, PayrollIn, PayrollOut

router = APIRouter(prefix="/internal/v1/exports", tags=["internal"], dependencies=[ServiceCaller])


@router.post("/cpa005", response_model=Cpa005Out)
async def cpa005(body: Cpa005In, parts: ComponentsDep) -> Cpa005Out:
    """Write that Montréal day's PAD debits as a CPA-005 file (the same file when run again)."""
    return await service.export_cpa005(parts.sessions, parts.settings, parts.box, body.day)


@router.post("/payroll", response_model=PayrollOut)
async def payroll(body: PayrollIn, parts: ComponentsDep, platform: PlatformDep) -> PayrollOut:
    """Write the month's payroll deductions, one CSV per establishment."""
    return await service.export_payroll(parts.sessions, parts.settings, platform, body.period)
