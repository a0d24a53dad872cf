"""Account deletion: identity erases its own data at once and starts the erasure workflow,
which has every other service erase or anonymise theirs and brings back their reports; identity
keeps those reports as the proof (`erasure_proofs`). Never commits.
"""

import json
import logging
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError

from servicekit.db import utcnow
from servicekit.erasure import ErasureReport
from services.identity import cutoffs
from services.identity import repository as repo
from services.identity.config import IdentitySettings
from services.identity.errors import ActiveSubscription, CurrentPasswordWrong, WorkflowUnavailable
from services.identity.models import (
    Account,
    ErasureProof,
    LoginFailure,
    OneTimeToken,
    RefreshToken,
)
from services.identity.ports import SubscriptionsPort
from services.identity.security import verify_password
from workflows.erasure.models import WORKFLOW_NAME, ErasureInput, workflow_id

log = logging.getLogger(__name__)


async def request_deletion(
    session: AsyncSession,
    settings: IdentitySettings,
    subscriptions: SubscriptionsPort,
    temporal: Client,
    task_queue: str,
    account: Account,
    password: str,
) -> None:
    """Delete the account (refused while a subscription runs): identity's data goes now, in
    this transaction, every token stops working, and the workflow erases the rest."""
    if not await verify_password(settings, account.password_hash, password):
        raise CurrentPasswordWrong(field="password")
    if await subscriptions.active_count(account.id) > 0:
        raise ActiveSubscription()
    # The workflow exists before anything is deleted: if this transaction then fails, the
    # workflow's identity step deletes the account anyway, as its owner asked.
    await start_erasure(temporal, task_queue, account.id)
    report = await erase(session, account.id)
    await record(session, account.id, [report])


async def start_erasure(client: Client, task_queue: str, account_id: str) -> None:
    """Start `erasure-<account id>` (a second start joins the running one)."""
    try:
        await client.start_workflow(
            WORKFLOW_NAME,
            ErasureInput(account_id=account_id),
            id=workflow_id(account_id),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
    except RPCError as exc:
        log.warning("could not start erasure workflow: %s", exc.status)
        raise WorkflowUnavailable() from exc


async def erase(session: AsyncSession, account_id: str) -> ErasureReport:
    """Delete the account, its profile, links, sessions and login failures (idempotent); its
    tokens are refused everywhere from now on (a closed cut-off)."""
    erased: dict[str, int] = {}
    account = await repo.account_by_id(session, account_id)
    if account is not None:
        await cutoffs.end_sessions(session, account, closed=True)
        erased["profile"] = int(account.profile is not None)
        for name, table in (("links", OneTimeToken), ("sessions", RefreshToken)):
            erased[name] = await _delete(session, table, table.account_id == account_id)
        await session.delete(account)
        erased["account"] = 1
    scope = f"account:{account_id}"
    erased["login_failures"] = await _delete(session, LoginFailure, LoginFailure.scope == scope)
    await session.flush()
    return ErasureReport(service="identity", erased=erased, erased_at=utcnow())


async def _delete(session: AsyncSession, table: type, condition: object) -> int:
    result = await session.execute(delete(table).where(condition))  # type: ignore[arg-type]
    return int(result.rowcount)  # type: ignore[attr-defined]


async def record(session: AsyncSession, account_id: str, reports: Sequence[ErasureReport]) -> None:
    """Keep each service's report; the first one kept for a service stays (a repeated call
    after a lost answer reports nothing left, which must not hide what was erased)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for report in reports:
        summary = json.dumps({"erased": report.erased, "anonymised": report.anonymised})
        statement = insert(ErasureProof).values(
            account_id=account_id,
            service=report.service,
            erased_at=report.erased_at,
            summary=summary,
            recorded_at=utcnow(),
        )
        await session.execute(statement.on_conflict_do_nothing())


async def proofs(session: AsyncSession, account_id: str) -> list[ErasureReport]:
    """The reports kept for an account, by service."""
    rows = await session.scalars(
        select(ErasureProof)
        .where(ErasureProof.account_id == account_id)
        .order_by(ErasureProof.service)
    )
    return [_report(row) for row in rows]


def _report(row: ErasureProof) -> ErasureReport:
    summary = json.loads(row.summary)
    return ErasureReport(
        service=row.service,
        erased=summary["erased"],
        anonymised=summary["anonymised"],
        erased_at=row.erased_at,
    )
