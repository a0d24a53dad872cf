"""Response bodies built from the rows (what the owner, an operator or the workflow sees)."""

import json
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.i18n import bilingual
from servicekit.lifecycle import Status, status_labels
from services.subscriptions import repository as repo
from services.subscriptions import waitlist
from services.subscriptions.models import (
    ModificationRequest,
    Offering,
    Site,
    Subscription,
    Vehicle,
)
from services.subscriptions.schemas import (
    HistoryOut,
    InternalSubscriptionOut,
    ModificationOut,
    OfferingOut,
    OperatorSubscriptionOut,
    RequestSummary,
    SiteOut,
    SubscriptionOut,
    VehicleOut,
)
from services.subscriptions.temporary_vehicles import of_subscription, temporary_out
from workflows.subscription.models import workflow_id


def site_out(site: Site) -> SiteOut:
    return SiteOut.model_validate(site, from_attributes=True)


def offering_out(offering: Offering) -> OfferingOut:
    return OfferingOut.model_validate(offering, from_attributes=True)


def vehicle_out(vehicle: Vehicle) -> VehicleOut:
    return VehicleOut.model_validate(vehicle, from_attributes=True)


def modification_out(row: ModificationRequest) -> ModificationOut:
    return ModificationOut(
        id=row.id,
        status=row.status,
        offering_id=row.offering_id,
        vehicle_ids=json.loads(row.vehicle_ids) if row.vehicle_ids else None,
        vehicle_update=json.loads(row.vehicle_update) if row.vehicle_update else None,
        reason=row.reason,
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


def _base(sub: Subscription) -> dict[str, object]:
    return {
        "id": sub.id,
        "contract_number": sub.contract_number,
        "status": sub.status,
        "status_label": status_labels(sub.status),
        "site": site_out(sub.offering.site),
        "offering": offering_out(sub.offering),
        "requested_start": sub.requested_start,
        "start_date": sub.start_date,
        "end_date": sub.end_date,
        "employee_number": sub.employee_number,
        "billing_mode": sub.billing_mode,
        "monthly_price_cents": sub.monthly_price_cents,
        "notice_days": sub.notice_days,
        "payment_method_id": sub.payment_method_id,
        "vehicles": [vehicle_out(link.vehicle) for link in sub.vehicles],
        "refusal_reason": sub.refusal_reason,
        "cancellation_requested_for": sub.cancellation_requested_for,
        "cancellation_effective": sub.cancellation_effective,
        "created_at": sub.created_at,
        "decided_at": sub.decided_at,
    }


# Approved, contract not there yet: the label (`status.setup.<state>`) says so instead of a
# plain « Actif ».
SETUP_LATE_AFTER = timedelta(seconds=60)


def setup_state(sub: Subscription, has_contract: bool) -> str | None:
    """Where the approval's follow-ups stand: the workflow issues the contract right after the
    first charge (card), record (DAS) or notice (PAD), so no contract means either is pending."""
    if sub.status != Status.ACTIVE or has_contract:  # arrears: its own label says more
        return None
    decided = sub.decided_at
    if decided is not None and utcnow() - decided < SETUP_LATE_AFTER:
        return "in_progress"
    return "late"


async def _details(session: AsyncSession, sub: Subscription) -> dict[str, object]:
    entries = await repo.history(session, sub.id)
    pending = await repo.pending_modification(session, sub.id)
    has_contract = await repo.has_contract(session, sub.id)
    setup = setup_state(sub, has_contract)
    label = {"status_label": bilingual(f"status.setup.{setup}")} if setup else {}
    temporary = [temporary_out(v) for v in await of_subscription(session, sub.id)]
    return (
        _base(sub)
        | label
        | {
            "temporary_vehicles": temporary,
            "setup": setup,
            "has_contract": has_contract,
            "pending_modification": modification_out(pending) if pending else None,
            "waitlist": await waitlist.view(session, sub),
            "history": [HistoryOut.model_validate(e, from_attributes=True) for e in entries],
        }
    )


async def subscription_out(session: AsyncSession, sub: Subscription) -> SubscriptionOut:
    """The owner's view, with its history."""
    return SubscriptionOut.model_validate(await _details(session, sub))


async def operator_out(
    session: AsyncSession, sub: Subscription, temporal_ui_url: str, namespace: str
) -> OperatorSubscriptionOut:
    """An operator's view: the owner's, plus the account, the workflow and every modification."""
    wf = workflow_id(sub.id)
    modifications = await repo.modifications_of(session, sub.id)
    return OperatorSubscriptionOut.model_validate(
        await _details(session, sub)
        | {
            "account_id": sub.account_id,
            "workflow_id": wf,
            "workflow_url": f"{temporal_ui_url.rstrip('/')}/namespaces/{namespace}/workflows/{wf}",
            "modifications": [modification_out(m) for m in modifications],
        }
    )


def summary_out(sub: Subscription) -> RequestSummary:
    """One line of the operators' queue or search results."""
    base = _base(sub)
    keys = RequestSummary.model_fields.keys() - {"account_id"}
    return RequestSummary.model_validate(
        {k: base[k] for k in keys if k in base} | {"account_id": sub.account_id}
    )


async def internal_out(session: AsyncSession, sub: Subscription) -> InternalSubscriptionOut:
    """The subscription as the workflow's activities need it."""
    site = sub.offering.site
    pending = await repo.pending_modification(session, sub.id)
    return InternalSubscriptionOut(
        id=sub.id,
        account_id=sub.account_id,
        contract_number=sub.contract_number,
        status=sub.status,
        site_id=site.id,
        site_name=site.name,
        establishment=site.establishment,
        site_address=site.address,
        access_type=site.access_type,
        offering_id=sub.offering_id,
        offering_code=sub.offering.code,
        offering_name=sub.offering.name,
        billing_mode=sub.billing_mode,
        payment_method_id=sub.payment_method_id,
        employee_number=sub.employee_number,
        monthly_price_cents=sub.monthly_price_cents,
        notice_days=sub.notice_days,
        requested_start=sub.requested_start,
        start_date=sub.start_date,
        end_date=sub.end_date,
        cancellation_effective=sub.cancellation_effective,
        refusal_reason=sub.refusal_reason,
        pending_modification_id=pending.id if pending else None,
        has_contract=await repo.has_contract(session, sub.id),
    )
