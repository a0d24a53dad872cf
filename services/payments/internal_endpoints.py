"""Endpoints only the platform's own components call (service token required)."""

from fastapi import APIRouter

from servicekit.auth import ServiceCaller
from services.payments import charges
from services.payments.dependencies import ComponentsDep
from services.payments.schemas import ChargeIn, ChargeOut

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.post("/charges", response_model=ChargeOut)
async def charge(body: ChargeIn, parts: ComponentsDep) -> ChargeOut:
    """Charge once per idempotency key; a repeat (even concurrent) answers the first result."""
    return await charges.charge(parts.sessions, parts.gateway, parts.settings, body)
