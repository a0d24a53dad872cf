"""Endpoints only the platform's own components call (service token required)."""

from fastapi import APIRouter

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep
from services.subscriptions import repository as repo

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.get("/accounts/{account_id}/active-subscriptions")
async def active_subscriptions(account_id: str, session: SessionDep) -> dict[str, int]:
    """How many pending or active subscriptions the account has (identity asks before deleting)."""
    return {"count": await repo.count_blocking(session, account_id)}
