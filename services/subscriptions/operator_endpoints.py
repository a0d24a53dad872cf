"""The operator console's API (`/v1/operator`) and the plate check (`/v1/plate-check`)."""

import json

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic_core import PydanticCustomError
from starlette.datastructures import QueryParams

from servicekit.auth import OperatorPrincipal
from servicekit.clock import today
from servicekit.db import SessionDep
from servicekit.errors import FieldError
from servicekit.formats import QueryId, normalize_plate
from servicekit.lifecycle import StatusCode
from servicekit.temporal_ui import PUBLIC_PATH
from services.subscriptions import decisions, occupancy, outbox, service
from services.subscriptions import repository as repo
from services.subscriptions.dependencies import Components, ComponentsDep, authorize_plate_reader
from services.subscriptions.endpoints import contract_response
from services.subscriptions.errors import NotPending
from services.subscriptions.figure_schemas import OccupancyOut
from services.subscriptions.lifecycle import Actor
from services.subscriptions.schemas import (
    CancellationIn,
    DecisionIn,
    OperatorSubscriptionOut,
    PlateCheckOut,
    RequestSummary,
)
from services.subscriptions.views import operator_out, summary_out

router = APIRouter(prefix="/v1/operator", tags=["operator"])
plate_router = APIRouter(prefix="/v1", tags=["plate check"])
QueueStatus = StatusCode


async def detail(parts: Components, subscription_id: str) -> OperatorSubscriptionOut:
    """A subscription as an operator sees it, read in a fresh transaction."""
    async with parts.read_transaction() as session:
        sub = await service.require(session, subscription_id)
        # The Temporal UI operators use: /temporal/ on the portal's origin, behind their login.
        ui = parts.platform.public_web_origin.rstrip("/") + PUBLIC_PATH
        return await operator_out(session, sub, ui, parts.platform.temporal_namespace)


def _plate_or_none(q: str) -> str | None:
    try:
        return normalize_plate(q)
    except PydanticCustomError:
        return None


@router.get("/occupancy", response_model=OccupancyOut)
async def occupancy_of(
    parts: ComponentsDep, _: OperatorPrincipal, site_id: QueryId = None
) -> OccupancyOut:
    """Per site and offering: capacity, active, approved starting later, pending requests and
    the oldest one's submission, this month's billed amount (summed by payments)."""
    day = today()
    async with parts.transaction() as session:  # not held while payments answers
        rows, groups = await occupancy.read(session, day, site_id)
    billed = await parts.payments.billed_totals(day.replace(day=1), groups)
    return occupancy.page(rows, day, billed)


@router.get("/requests", response_model=list[RequestSummary])
async def requests(
    session: SessionDep,
    _: OperatorPrincipal,
    site_id: QueryId = None,
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
    subscription_id: str,
    body: DecisionIn,
    parts: ComponentsDep,
    operator: OperatorPrincipal,
    after: BackgroundTasks,
) -> OperatorSubscriptionOut:
    """Approve, or refuse with a reason shown to the user: recorded here, answered at once;
    the workflow is told once the answer is sent (`decisions.py`) and issues the contract, bills and
    emails in its own time ("approved, contract on its way").

    Idempotent with the form's `idempotency_key`: the same operator's same decision sent again
    (a retry after a dropped connection, while it runs or after) answers 200 with the state.
    """
    key = body.idempotency_key
    if key and await _already_decided(parts, subscription_id, operator.account_id, body):
        return await detail(parts, subscription_id)
    try:
        entry_id = await decisions.record(parts, subscription_id, operator.account_id, body)
        after.add_task(outbox.deliver_after_answer, parts, entry_id)
    except NotPending:
        # The same key a moment ago, committed meanwhile: its answer, not not_pending.
        if not (key and await _already_decided(parts, subscription_id, operator.account_id, body)):
            raise
    return await detail(parts, subscription_id)


async def _already_decided(
    parts: Components, subscription_id: str, operator_id: str, body: DecisionIn
) -> bool:
    assert body.idempotency_key is not None
    async with parts.read_transaction() as session:
        return await repo.decided_with_key(
            session, subscription_id, operator_id, body.decision, body.idempotency_key
        )


CANCELLATION = "/subscriptions/{subscription_id}/cancellation"


@router.post(CANCELLATION, response_model=OperatorSubscriptionOut)
async def cancel(
    subscription_id: str, body: CancellationIn, parts: ComponentsDep, operator: OperatorPrincipal
) -> OperatorSubscriptionOut:
    """Cancel at a date for the subscriber (the service centre, by phone): the same notice
    clause and emails as the subscriber's own request; the audit entry names the operator."""
    async with parts.transaction() as session:
        service.check_running(await service.require(session, subscription_id))
    lifecycle = outbox.lifecycle_of(parts, subscription_id)
    await lifecycle.schedule_cancellation(Actor.operator(operator.account_id), body.date)
    return await detail(parts, subscription_id)


@router.delete(CANCELLATION, response_model=OperatorSubscriptionOut)
async def withdraw_cancellation(
    subscription_id: str, parts: ComponentsDep, operator: OperatorPrincipal
) -> OperatorSubscriptionOut:
    """Withdraw a scheduled cancellation for the subscriber; the audit entry names the operator."""
    async with parts.transaction() as session:
        service.check_cancellation_scheduled(await service.require(session, subscription_id))
    lifecycle = outbox.lifecycle_of(parts, subscription_id)
    await lifecycle.withdraw_cancellation(Actor.operator(operator.account_id))
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
    lifecycle = outbox.lifecycle_of(parts, subscription_id)
    await lifecycle.decide_modification(
        Actor.operator(operator.account_id), modification_id, body.decision, body.reason
    )
    return await detail(parts, subscription_id)


PLATE_CHECK_PARAMETERS = [
    {"name": "site_id", "in": "query", "required": True, "schema": {"type": "integer"}},
    {"name": "plate", "in": "query", "required": True, "schema": {"type": "string"}},
]


@plate_router.get(
    "/plate-check",
    response_model=None,
    responses={200: {"model": PlateCheckOut}},
    openapi_extra={"parameters": PLATE_CHECK_PARAMETERS},
)
async def plate_check(request: Request) -> Response:
    """Is this plate authorised at this licence-plate site today (answered from memory).

    Cameras call this for every car: it takes the bare request and builds its JSON by hand,
    skipping dependency resolution and response-model validation (measured in bench/).
    """
    parts: Components = request.app.state.components
    await authorize_plate_reader(parts, request.headers)
    site_id, plate = _plate_query(request.query_params)
    answer = await parts.plates.check(parts.sessions, site_id, plate)
    end = answer.subscription_end.isoformat() if answer.subscription_end else None
    body = {
        "authorized": answer.authorized,
        "site_id": site_id,
        "plate": plate,
        "subscription_end": end,
    }
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


def _plate_query(query: QueryParams) -> tuple[int, str]:
    """`site_id` and the normalised `plate`, or a field error naming the bad one."""
    raw_site = query.get("site_id")
    if raw_site is None or not raw_site.isdigit():
        raise FieldError("site_id", "missing" if raw_site is None else "int_parsing")
    try:
        plate = normalize_plate(query.get("plate") or "")
    except PydanticCustomError as exc:
        raise FieldError("plate", "plate_invalid") from exc
    return int(raw_site), plate
