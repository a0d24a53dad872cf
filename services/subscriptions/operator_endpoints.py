"""The operator console's API (`/v1/operator`) and the plate check (`/v1/plate-check`)."""

from typing import Literal

from fastapi import APIRouter, Query, Response
from pydantic_core import PydanticCustomError

from servicekit.auth import OperatorPrincipal
from servicekit.db import SessionDep
from servicekit.errors import FieldError
from servicekit.formats import normalize_plate
from services.subscriptions import repository as repo
from services.subscriptions import service
from services.subscriptions.dependencies import Components, ComponentsDep, PlateReader
from services.subscriptions.endpoints import contract_response
from services.subscriptions.schemas import (
    DecisionIn,
    OperatorSubscriptionOut,
    PlateCheckOut,
    RequestSummary,
)
from services.subscriptions.views import operator_out, summary_out
from workflows.subscription import models as wf

router = APIRouter(prefix="/v1/operator", tags=["operator"])
plate_router = APIRouter(prefix="/v1", tags=["plate check"])
QueueStatus = Literal["pending_approval", "active", "refused", "withdrawn", "expired", "ended"]


async def detail(parts: Components, subscription_id: str) -> OperatorSubscriptionOut:
    """A subscription as an operator sees it, read in a fresh transaction."""
    async with parts.transaction() as session:
        sub = await service.require(session, subscription_id)
        return await operator_out(
            session, sub, parts.platform.temporal_ui_url, parts.platform.temporal_namespace
        )


def _plate_or_none(q: str) -> str | None:
    try:
        return normalize_plate(q)
    except PydanticCustomError:
        return None


@router.get("/requests", response_model=list[RequestSummary])
async def requests(
    session: SessionDep,
    _: OperatorPrincipal,
    site_id: int | None = None,
    status: QueueStatus = "pending_approval",
) -> list[RequestSummary]:
    """Pending requests, oldest first, optionally for one site."""
    return [summary_out(s) for s in await repo.requests(session, status, site_id)]


@router.get("/search", response_model=list[RequestSummary])
async def search(
    session: SessionDep, _: OperatorPrincipal, q: str = Query(min_length=1, max_length=64)
) -> list[RequestSummary]:
    """By contract number, plate or account id (the web resolves an email to an account id)."""
    query = q.strip()
    return [summary_out(s) for s in await repo.search(session, query, _plate_or_none(query))]


@router.get("/subscriptions/{subscription_id}", response_model=OperatorSubscriptionOut)
async def subscription_detail(
    subscription_id: str, parts: ComponentsDep, _: OperatorPrincipal
) -> OperatorSubscriptionOut:
    """A request's full detail: vehicles, employee number, history, workflow."""
    return await detail(parts, subscription_id)


@router.get("/subscriptions/{subscription_id}/contract")
async def subscription_contract(
    subscription_id: str, session: SessionDep, _: OperatorPrincipal
) -> Response:
    """The contract PDF of any subscription."""
    sub = await service.require(session, subscription_id)
    return await contract_response(session, sub.id, sub.contract_number)


@router.post("/subscriptions/{subscription_id}/decision", response_model=OperatorSubscriptionOut)
async def decide(
    subscription_id: str, body: DecisionIn, parts: ComponentsDep, operator: OperatorPrincipal
) -> OperatorSubscriptionOut:
    """Approve, or refuse with a reason shown to the user (a Temporal update on the workflow)."""
    async with parts.transaction() as session:
        sub = await service.require(session, subscription_id)
        await service.check_decision(session, sub, body)
    decision = wf.Decision(
        decision=body.decision, operator_id=operator.account_id, reason=body.reason
    )
    await parts.lifecycle.update(subscription_id, wf.DECIDE, decision)
    return await detail(parts, subscription_id)


@router.post("/modifications/{modification_id}/decision", response_model=OperatorSubscriptionOut)
async def decide_modification(
    modification_id: str, body: DecisionIn, parts: ComponentsDep, operator: OperatorPrincipal
) -> OperatorSubscriptionOut:
    """Approve (then apply) or refuse a modification request."""
    async with parts.transaction() as session:
        row = await service.require_pending_modification(session, modification_id)
        service.check_reason(body)
        subscription_id = row.subscription_id
    decision = wf.ModificationDecision(
        decision=body.decision,
        operator_id=operator.account_id,
        reason=body.reason,
        modification_id=modification_id,
    )
    await parts.lifecycle.update(subscription_id, wf.DECIDE_MODIFICATION, decision)
    return await detail(parts, subscription_id)


@plate_router.get("/plate-check", response_model=PlateCheckOut, dependencies=[PlateReader])
async def plate_check(site_id: int, plate: str, parts: ComponentsDep) -> PlateCheckOut:
    """Is this plate authorised at this licence-plate site today (answered from memory)."""
    try:
        normalized = normalize_plate(plate)
    except PydanticCustomError as exc:
        raise FieldError("plate", "plate_invalid") from exc
    answer = await parts.plates.check(parts.sessions, site_id, normalized)
    return PlateCheckOut(
        authorized=answer.authorized,
        site_id=site_id,
        plate=normalized,
        subscription_end=answer.subscription_end,
    )
