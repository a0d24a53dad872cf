"""Subscription requests and what their owner or an operator may ask of them.

Everything here checks the request before the workflow hears of it, so bad input is a clear 4xx
that never reaches Temporal. The workflow then changes the state through `transitions`.
"""

import json
import secrets
import uuid
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import Principal
from servicekit.db import utcnow
from servicekit.lifecycle import REQUEST, Status
from services.subscriptions import catalog, payment_methods, transitions, vehicles, waitlist
from services.subscriptions import repository as repo
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.errors import (
    BillingModeDiffers,
    DuplicateRequest,
    ModificationNotFound,
    ModificationNotPending,
    ModificationPending,
    NoCancellation,
    NotActive,
    NotPending,
    OfferingNotFound,
    SubscriptionNotFound,
    field_error,
)
from services.subscriptions.models import (
    RUNNING_STATUSES,
    ModificationRequest,
    Subscription,
    SubscriptionVehicle,
)
from services.subscriptions.schemas import (
    CancellationPreview,
    DecisionIn,
    ModificationIn,
    SubscriptionIn,
)


async def _new_contract_number(session: AsyncSession) -> str:
    """Eight digits, never starting with 0, not used yet (the unique index has the last word)."""
    while True:
        number = str(10_000_000 + secrets.randbelow(90_000_000))
        if not await repo.contract_number_taken(session, number):
            return number


async def request(
    session: AsyncSession, settings: SubscriptionsSettings, account_id: str, data: SubscriptionIn
) -> Subscription:
    """Record a request and put it in line when its offering is full (`record_request`, then
    `waitlist.join_if_full`)."""
    sub = await record_request(session, settings, account_id, data)
    await waitlist.join_if_full(session, sub)
    return sub


async def record_request(
    session: AsyncSession, settings: SubscriptionsSettings, account_id: str, data: SubscriptionIn
) -> Subscription:
    """Record a request ("Transmettre ma demande"): pending approval, with a contract number.
    Its caller then calls `waitlist.join_if_full`, last in the transaction (it locks the
    offering's row until the commit).

    The payment method's owner was checked with the payments service beforehand
    (`payment_methods.verify`); its rules are checked again here, against the offering read now.
    """
    offering = await catalog.require_visible_offering(session, data.offering_id, account_id)
    payment_methods.check_rules(settings, offering.billing_mode, data.payment_method_id)
    chosen = await vehicles.owned_set(session, account_id, data.vehicle_ids)
    if await repo.open_request_exists(session, account_id, offering.id):
        raise DuplicateRequest("offering_id")
    now = utcnow()
    sub = Subscription(
        id=str(uuid.uuid4()),
        account_id=account_id,
        offering=offering,
        site_id=offering.site_id,
        status=Status.PENDING_APPROVAL,
        contract_number=await _new_contract_number(session),
        requested_start=data.requested_start,
        employee_number=data.employee_number.strip(),
        terms_accepted_at=now,
        approval_understood_at=now,
        consent_version=settings.consent_version,
        billing_mode=offering.billing_mode,
        monthly_price_cents=offering.monthly_price_cents,
        notice_days=offering.notice_days,
        payment_method_id=data.payment_method_id,
        vehicles=[SubscriptionVehicle(vehicle=v, position=i) for i, v in enumerate(chosen, 1)],
    )
    session.add(sub)
    try:
        await session.flush()
    except IntegrityError as exc:
        if "one_pending" not in str(exc.orig) and "offering_id" not in str(exc.orig):
            raise
        # a concurrent identical request won the unique index
        raise DuplicateRequest("offering_id") from exc
    transitions.audit(session, sub, account_id, REQUEST, None)
    await session.flush()
    return sub


async def require(session: AsyncSession, subscription_id: str) -> Subscription:
    sub = await repo.subscription(session, subscription_id)
    if sub is None:
        raise SubscriptionNotFound()
    return sub


async def require_owned(
    session: AsyncSession, principal: Principal, subscription_id: str
) -> Subscription:
    """The caller's subscription; another's answers the same 404 as a missing one."""
    sub = await repo.owned_subscription(session, principal.account_id, subscription_id)
    if sub is None:
        raise SubscriptionNotFound()
    return sub


def check_pending(sub: Subscription) -> None:
    if not transitions.awaiting_decision(sub):
        raise NotPending()


def check_active(sub: Subscription) -> None:
    if sub.status != Status.ACTIVE:
        raise NotActive()


def check_running(sub: Subscription) -> None:
    """Active or in arrears: arrears never end a subscription, so it can still be cancelled
    and its card updated (which retries what is owed)."""
    if sub.status not in RUNNING_STATUSES:
        raise NotActive()


def check_cancellation_scheduled(sub: Subscription) -> None:
    check_running(sub)
    if sub.cancellation_effective is None:
        raise NoCancellation()


def preview_cancellation(sub: Subscription, requested: date) -> CancellationPreview:
    """The effective date the notice clause gives, shown before the user confirms."""
    check_running(sub)
    effective = transitions.effective_cancellation(requested, sub.notice_days)
    return CancellationPreview(
        requested=requested, effective=effective, notice_days=sub.notice_days
    )


def check_reason(data: DecisionIn) -> None:
    """A refusal states its reason (shown to the user)."""
    if data.decision == "refuse" and not (data.reason and data.reason.strip()):
        raise field_error("reason", "reason_required")


def check_decidable(sub: Subscription, data: DecisionIn) -> None:
    """A decision on a pending request, a refusal with its reason. An approval also needs a
    space left and, for a waitlisted request, its owner's confirmation: the transition checks
    those (`transitions._approve`, the space last, under the offering's row lock)."""
    check_pending(sub)
    check_reason(data)


async def record_modification(
    session: AsyncSession, account_id: str, sub: Subscription, data: ModificationIn
) -> ModificationRequest:
    """ "Transmettre une demande de modification": vehicles, or an offering at the same site."""
    check_active(sub)
    if data.offering_id is None and data.vehicle_ids is None:
        raise field_error("offering_id", "missing")
    if data.offering_id is not None:
        offering = await catalog.require_visible_offering(session, data.offering_id, account_id)
        if offering.site_id != sub.site_id:
            raise OfferingNotFound("offering_id")
        if offering.billing_mode != sub.billing_mode:
            raise BillingModeDiffers()
    if data.vehicle_ids is not None:
        await vehicles.owned_set(session, account_id, data.vehicle_ids)
    if await repo.pending_modification(session, sub.id) is not None:
        raise ModificationPending()
    row = ModificationRequest(
        id=str(uuid.uuid4()),
        subscription_id=sub.id,
        account_id=account_id,
        offering_id=data.offering_id,
        vehicle_ids=json.dumps(data.vehicle_ids) if data.vehicle_ids is not None else None,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ModificationPending() from exc
    return row


async def withdraw_modification(session: AsyncSession, modification_id: str) -> None:
    """Give up a modification the workflow refused to hear of."""
    row = await repo.modification(session, modification_id)
    if row is not None and row.status == "pending":
        row.status, row.decided_at = "withdrawn", utcnow()


async def require_pending_modification(
    session: AsyncSession, modification_id: str
) -> ModificationRequest:
    row = await repo.modification(session, modification_id)
    if row is None:
        raise ModificationNotFound()
    if row.status != "pending":
        raise ModificationNotPending()
    return row
