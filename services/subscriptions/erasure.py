"""Erasing a deleted account's data in subscriptions (asked by the erasure workflow). Never
commits.

Erased: the vehicles and their plates (temporary vehicles too), the contract PDFs (name,
address, plates), the grants of restricted offerings. Kept, anonymised: the subscriptions
themselves (contract number, offering, dates, price: what the invoices kept by payments refer
to), without the employee number or the refusal reason, and their audit trail without its
free-text details; modification requests without the vehicles they carried.
"""

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import utcnow
from servicekit.erasure import ErasureReport
from services.subscriptions.models import (
    AuditEntry,
    Contract,
    ModificationRequest,
    OfferingGrant,
    Subscription,
    SubscriptionVehicle,
    TemporaryVehicle,
    Vehicle,
)
from services.subscriptions.plates import PlateIndex

ERASED = "-"  # in a column that cannot be empty: nothing of the person is left in it


async def erase(session: AsyncSession, plates: PlateIndex, account_id: str) -> ErasureReport:
    """Erase or anonymise everything held for the account; a repeat finds nothing more to do."""
    subscription_ids = select(Subscription.id).where(Subscription.account_id == account_id)
    vehicle_ids = select(Vehicle.id).where(Vehicle.account_id == account_id)
    erased = {
        "subscription_vehicles": await _run(
            session,
            delete(SubscriptionVehicle).where(SubscriptionVehicle.vehicle_id.in_(vehicle_ids)),
        ),
        "vehicles": await _run(session, delete(Vehicle).where(Vehicle.account_id == account_id)),
        "temporary_vehicles": await _run(
            session, delete(TemporaryVehicle).where(TemporaryVehicle.account_id == account_id)
        ),
        "contracts": await _run(
            session, delete(Contract).where(Contract.subscription_id.in_(subscription_ids))
        ),
        "offering_grants": await _run(
            session, delete(OfferingGrant).where(OfferingGrant.account_id == account_id)
        ),
    }
    anonymised = {
        "subscriptions": await _run(
            session,
            update(Subscription)
            .where(
                Subscription.account_id == account_id,
                (Subscription.employee_number != ERASED) | Subscription.refusal_reason.is_not(None),
            )
            .values(employee_number=ERASED, refusal_reason=None, updated_at=utcnow()),
        ),
        "modification_requests": await _run(
            session,
            update(ModificationRequest)
            .where(
                ModificationRequest.account_id == account_id,
                ModificationRequest.vehicle_ids.is_not(None)
                | ModificationRequest.vehicle_update.is_not(None),
            )
            .values(vehicle_ids=None, vehicle_update=None),
        ),
        "audit_entries": await _run(
            session,
            update(AuditEntry)
            .where(AuditEntry.subscription_id.in_(subscription_ids), AuditEntry.detail.is_not(None))
            .values(detail=None),
        ),
    }
    await session.flush()
    if erased["vehicles"] or erased["temporary_vehicles"]:
        await plates.invalidate_after_commit(session)
    return ErasureReport(
        service="subscriptions", erased=erased, anonymised=anonymised, erased_at=utcnow()
    )


async def _run(session: AsyncSession, statement: object) -> int:
    result = await session.execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount)
