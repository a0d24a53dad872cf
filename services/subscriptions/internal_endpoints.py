"""Endpoints only the platform's own components call (service token required).

The subscription workflow's activities write every state change here, each with an idempotency
key: a retried activity changes nothing twice.
"""

from fastapi import APIRouter, Response

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep
from services.subscriptions import issuing, service, transitions
from services.subscriptions import repository as repo
from services.subscriptions.dependencies import ComponentsDep
from services.subscriptions.endpoints import contract_response
from services.subscriptions.schemas import (
    ContractIn,
    ContractOut,
    InternalSubscriptionOut,
    PlatePeriod,
    PlatePeriodsOut,
    SiteOut,
    TransitionIn,
)
from services.subscriptions.views import internal_out, site_out

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])


@router.get("/accounts/{account_id}/active-subscriptions")
async def active_subscriptions(account_id: str, session: SessionDep) -> dict[str, int]:
    """How many pending, active or in-arrears subscriptions the account has (identity asks
    before deleting: one in arrears still owes money)."""
    return {"count": await repo.count_blocking(session, account_id)}


@router.get("/sites", response_model=list[SiteOut])
async def sites(session: SessionDep) -> list[SiteOut]:
    """Every site (the portal names a claim notice's site on its public page)."""
    return [site_out(s) for s in await repo.sites(session)]


@router.get("/accounts/{account_id}/plate-periods", response_model=PlatePeriodsOut)
async def account_plate_periods(account_id: str, session: SessionDep) -> PlatePeriodsOut:
    """When each plate of the account was on a subscription of theirs that ran (payments shows
    a claim notice only when it was issued within one of these periods)."""
    periods = await repo.plate_periods(session, account_id)
    return PlatePeriodsOut(
        periods=[PlatePeriod(plate=p, start=start, end=end) for p, start, end in periods]
    )


@router.get("/subscriptions/{subscription_id}", response_model=InternalSubscriptionOut)
async def subscription(subscription_id: str, session: SessionDep) -> InternalSubscriptionOut:
    """The subscription as the workflow needs it."""
    return await internal_out(session, await service.require(session, subscription_id))


@router.post("/subscriptions/{subscription_id}/transitions", response_model=InternalSubscriptionOut)
async def transition(
    subscription_id: str, body: TransitionIn, session: SessionDep, parts: ComponentsDep
) -> InternalSubscriptionOut:
    """Change the state once (409 `offering_full` or `invalid_transition` when it cannot);
    the answer is the subscription as `GET` above gives it."""
    sub = await transitions.apply(session, parts.plates, subscription_id, body)
    return await internal_out(session, sub)


@router.post("/subscriptions/{subscription_id}/contract", response_model=ContractOut)
async def issue_contract(
    subscription_id: str, body: ContractIn, parts: ComponentsDep
) -> ContractOut:
    """Generate (once per key) and store the contract PDF (no transaction open meanwhile)."""
    found = await issuing.issue(
        parts.sessions, parts.identity, parts.fonts, subscription_id, body.idempotency_key
    )
    return ContractOut(contract_id=found.id, language=found.language)


@router.get("/subscriptions/{subscription_id}/contract")
async def contract(subscription_id: str, session: SessionDep) -> Response:
    """The contract PDF (for the approval email's attachment)."""
    sub = await service.require(session, subscription_id)
    return await contract_response(session, sub.id, sub.contract_number)
