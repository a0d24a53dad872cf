"""Internal endpoints of ended sessions and account erasure (`/internal/v1`, service token)."""

from datetime import timedelta

from fastapi import APIRouter, Response
from pydantic import BaseModel

from servicekit.auth import ServiceCaller
from servicekit.db import SessionDep, utcnow
from servicekit.erasure import ErasureReport
from services.identity import cutoffs, erasure
from services.identity.dependencies import ComponentsDep

router = APIRouter(prefix="/internal/v1", tags=["internal"], dependencies=[ServiceCaller])

# Listed a minute longer than a token lives: a clock a little ahead elsewhere changes nothing.
MARGIN = timedelta(minutes=1)


class CutoffOut(BaseModel):
    account_id: str
    session_version: int
    closed: bool


class CutoffsOut(BaseModel):
    """Every account whose sessions ended within an access token's lifetime."""

    cutoffs: list[CutoffOut]


class ProofsIn(BaseModel):
    reports: list[ErasureReport]


class ProofsOut(BaseModel):
    account_id: str
    reports: list[ErasureReport]


@router.get("/session-cutoffs", response_model=CutoffsOut)
async def session_cutoffs(session: SessionDep, parts: ComponentsDep) -> CutoffsOut:
    """Ended sessions the other services must refuse tokens of (they keep it a few seconds)."""
    lifetime = timedelta(minutes=parts.settings.access_token_minutes) + MARGIN
    rows = await cutoffs.recent(session, utcnow() - lifetime)
    return CutoffsOut(
        cutoffs=[
            CutoffOut(account_id=r.account_id, session_version=r.session_version, closed=r.closed)
            for r in rows
        ]
    )


@router.post("/accounts/{account_id}/erasure", response_model=ErasureReport)
async def erase(account_id: str, session: SessionDep) -> ErasureReport:
    """Erase what identity holds for the account (idempotent: nothing left, nothing done)."""
    return await erasure.erase(session, account_id)


@router.put("/erasures/{account_id}", status_code=204)
async def record_proofs(account_id: str, body: ProofsIn, session: SessionDep) -> Response:
    """Keep the services' erasure reports as the proof (the first report of a service stays)."""
    await erasure.record(session, account_id, body.reports)
    return Response(status_code=204)


@router.get("/erasures/{account_id}", response_model=ProofsOut)
async def proofs(account_id: str, session: SessionDep) -> ProofsOut:
    """The proof of an account's erasure: what each service erased or anonymised, and when."""
    return ProofsOut(account_id=account_id, reports=await erasure.proofs(session, account_id))
