"""The waitlist's endpoints: the owner confirms the space offered; the offering's workflow
runs its rounds (internal, service token)."""

from fastapi import APIRouter

from servicekit.auth import CurrentPrincipal, ServiceCaller
from servicekit.db import SessionDep
from services.subscriptions import service, waitlist
from services.subscriptions.schemas import SubscriptionOut
from services.subscriptions.views import subscription_out
from services.subscriptions.waitlist_schemas import RoundIn, RoundOut

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.post("/{subscription_id}/waitlist/confirm", response_model=SubscriptionOut)
async def confirm(
    subscription_id: str, session: SessionDep, principal: CurrentPrincipal
) -> SubscriptionOut:
    """« Confirmer ma place »: take the space offered before its deadline (409 `not_offered`
    when none is offered, `offer_expired` after the deadline); the operator then approves."""
    sub = await service.require_owned(session, principal, subscription_id)
    await waitlist.confirm(session, sub)
    await session.flush()
    return await subscription_out(session, sub)


@internal_router.post("/offerings/{offering_id}/waitlist/round", response_model=RoundOut)
async def run_round(offering_id: int, body: RoundIn, session: SessionDep) -> RoundOut:
    """One round of the offering's waitlist at the workflow's time: offers past their deadline
    lapse, free spaces go to the first people waiting (under the offering's row lock)."""
    return await waitlist.run_round(session, offering_id, body.now)
