"""The subscriber's API (`/v1/subscriptions`): requests, withdrawal, cancellation, changes.

Endpoints that wait for the workflow check everything in a short transaction of their own first
and read the outcome in another: the workflow writes through the internal endpoints meanwhile.
"""

import contextlib

from fastapi import APIRouter, BackgroundTasks, Response

from servicekit.auth import CurrentPrincipal
from servicekit.db import SessionDep
from servicekit.faults import crash_point
from services.subscriptions import outbox, payment_methods, service, waitlist
from services.subscriptions import repository as repo
from services.subscriptions.dependencies import Components, ComponentsDep
from services.subscriptions.errors import ContractNotFound, WorkflowUnavailable
from services.subscriptions.lifecycle import Actor
from services.subscriptions.schemas import (
    CancellationIn,
    CancellationPreview,
    ModificationIn,
    ModificationOut,
    SubscriptionIn,
    SubscriptionOut,
)
from services.subscriptions.views import modification_out, subscription_out

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
# Between the request's commit and its workflow's start (the crash tests and chaos bench).
AFTER_REQUEST_COMMIT = "after-request-commit"


async def owner_view(parts: Components, principal_id: str, subscription_id: str) -> SubscriptionOut:
    """The subscription as it is now, read in a fresh transaction."""
    async with parts.read_transaction() as session:
        sub = await repo.owned_subscription(session, principal_id, subscription_id)
        assert sub is not None
        return await subscription_out(session, sub)


@router.post("", status_code=201, response_model=SubscriptionOut)
async def request_subscription(
    body: SubscriptionIn,
    parts: ComponentsDep,
    principal: CurrentPrincipal,
    after: BackgroundTasks,
) -> SubscriptionOut:
    """Transmettre ma demande: pending approval, contract number assigned, workflow started.

    The request and its outbox entry are committed together; once the answer is sent the
    workflow is started (its first activity reads the request); if this process dies in
    between, or Temporal refuses, the outbox relay starts it, and an action on the request
    before that starts it first (docs/crash-safety.md). No transaction is open while Temporal
    or payments answers.
    """
    await parts.lifecycle.client()  # 503 before anything is written while Temporal is away
    await payment_methods.verify(
        parts.sessions, parts.payments, parts.settings, principal.account_id, body
    )
    async with parts.transaction() as session:
        sub = await service.record_request(session, parts.settings, principal.account_id, body)
        entry = outbox.add_start(session, sub.id)
        await session.flush()
        created = await subscription_out(session, sub)
        # Last: on a full offering the request joins its waitlist, under the offering's row
        # lock held until the commit, which every request and decision on it waits for.
        created.waitlist = await waitlist.join_if_full(session, sub)
    crash_point(AFTER_REQUEST_COMMIT)
    after.add_task(outbox.deliver_after_answer, parts, entry.id)
    return created


@router.get("", response_model=list[SubscriptionOut])
async def my_subscriptions(
    session: SessionDep, principal: CurrentPrincipal
) -> list[SubscriptionOut]:
    """Statut de l'abonnement: the caller's subscriptions, newest first."""
    subs = await repo.subscriptions_of(session, principal.account_id)
    return [await subscription_out(session, s) for s in subs]


@router.get("/{subscription_id}", response_model=SubscriptionOut)
async def my_subscription(
    subscription_id: str, session: SessionDep, principal: CurrentPrincipal
) -> SubscriptionOut:
    """Détails de l'abonnement."""
    return await subscription_out(
        session, await service.require_owned(session, principal, subscription_id)
    )


@router.post("/{subscription_id}/withdrawal", response_model=SubscriptionOut)
async def withdraw(
    subscription_id: str, parts: ComponentsDep, principal: CurrentPrincipal
) -> SubscriptionOut:
    """Annuler cette demande de service (while it awaits approval)."""
    async with parts.transaction() as session:
        service.check_pending(await service.require_owned(session, principal, subscription_id))
    await outbox.lifecycle_of(parts, subscription_id).withdraw(Actor.user(principal.account_id))
    return await owner_view(parts, principal.account_id, subscription_id)


@router.post("/{subscription_id}/cancellation/preview", response_model=CancellationPreview)
async def preview_cancellation(
    subscription_id: str, body: CancellationIn, session: SessionDep, principal: CurrentPrincipal
) -> CancellationPreview:
    """The date the cancellation would take effect (notice clause), before confirming."""
    sub = await service.require_owned(session, principal, subscription_id)
    return service.preview_cancellation(sub, body.date)


@router.post("/{subscription_id}/cancellation", response_model=SubscriptionOut)
async def cancel(
    subscription_id: str, body: CancellationIn, parts: ComponentsDep, principal: CurrentPrincipal
) -> SubscriptionOut:
    """Envoyer la demande d'annulation: effective at the later of the date and today + notice."""
    async with parts.transaction() as session:
        service.check_running(await service.require_owned(session, principal, subscription_id))
    lifecycle = outbox.lifecycle_of(parts, subscription_id)
    await lifecycle.schedule_cancellation(Actor.user(principal.account_id), body.date)
    return await owner_view(parts, principal.account_id, subscription_id)


@router.delete("/{subscription_id}/cancellation", response_model=SubscriptionOut)
async def withdraw_cancellation(
    subscription_id: str, parts: ComponentsDep, principal: CurrentPrincipal
) -> SubscriptionOut:
    """Withdraw a scheduled cancellation before its date."""
    async with parts.transaction() as session:
        sub = await service.require_owned(session, principal, subscription_id)
        service.check_cancellation_scheduled(sub)
    lifecycle = outbox.lifecycle_of(parts, subscription_id)
    await lifecycle.withdraw_cancellation(Actor.user(principal.account_id))
    return await owner_view(parts, principal.account_id, subscription_id)


@router.post("/{subscription_id}/payment-method-updated", status_code=202)
async def payment_method_updated(
    subscription_id: str, parts: ComponentsDep, principal: CurrentPrincipal
) -> Response:
    """Mettre à jour la carte de crédit: the workflow retries what is owed at once (202: it
    does so in its own time; the new card itself is saved with the payments service)."""
    async with parts.transaction() as session:
        service.check_running(await service.require_owned(session, principal, subscription_id))
    await outbox.lifecycle_of(parts, subscription_id).payment_method_updated(principal.account_id)
    return Response(status_code=202)


@router.post("/{subscription_id}/modifications", status_code=201, response_model=ModificationOut)
async def request_modification(
    subscription_id: str, body: ModificationIn, parts: ComponentsDep, principal: CurrentPrincipal
) -> ModificationOut:
    """Transmettre une demande de modification (vehicles, or an offering at the same site).

    Recorded with its outbox entry; the workflow is told now, or by the relay if this process
    dies first. A refusal by the workflow withdraws the request and is the answer.
    """
    async with parts.transaction() as session:
        sub = await service.require_owned(session, principal, subscription_id)
        row = await service.record_modification(session, principal.account_id, sub, body)
        entry = outbox.add_modification(session, sub.id, row.id)
        await session.flush()
        created = modification_out(row)
    with contextlib.suppress(WorkflowUnavailable):  # the relay tells it in a few seconds
        await outbox.deliver(parts, entry.id)
    return created


@router.get("/{subscription_id}/contract")
async def contract(
    subscription_id: str, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Download the contract PDF (once the subscription is approved)."""
    sub = await service.require_owned(session, principal, subscription_id)
    return await contract_response(session, sub.id, sub.contract_number)


async def contract_response(session: SessionDep, subscription_id: str, number: str) -> Response:
    """The stored PDF as an attachment."""
    found = await repo.contract_of(session, subscription_id)
    if found is None:
        raise ContractNotFound()
    headers = {"Content-Disposition": f'attachment; filename="contrat-{number}.pdf"'}
    return Response(found.pdf, media_type="application/pdf", headers=headers)
