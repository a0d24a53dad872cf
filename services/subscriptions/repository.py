"""All of subscriptions' SQL."""

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import montreal_date
from servicekit.lifecycle import Status
from services.subscriptions.models import (
    BLOCKING_STATUSES,
    RUNNING_STATUSES,
    AuditEntry,
    Contract,
    ModificationRequest,
    Offering,
    OfferingGrant,
    Site,
    Subscription,
    SubscriptionVehicle,
    TemporaryVehicle,
    UserCategory,
    Vehicle,
)

# Catalog -------------------------------------------------------------------------------------


async def sites(session: AsyncSession) -> Sequence[Site]:
    return (await session.scalars(select(Site).order_by(Site.establishment, Site.id))).all()


async def categories(session: AsyncSession, site_id: int) -> Sequence[UserCategory]:
    query = select(UserCategory).where(UserCategory.site_id == site_id).order_by(UserCategory.id)
    return (await session.scalars(query)).all()


async def visible_offerings(
    session: AsyncSession, site_id: int, category_id: int | None, account_id: str | None
) -> Sequence[Offering]:
    """The site's offerings; restricted ones only when granted (`account_id` None: all)."""
    query = select(Offering).where(Offering.site_id == site_id)
    if category_id is not None:
        query = query.where(Offering.category_id == category_id)
    if account_id is not None:
        query = query.where(or_(Offering.visibility == "public", _granted(account_id)))
    return (await session.scalars(query.order_by(Offering.code, Offering.id))).unique().all()


def _granted(account_id: str):  # type: ignore[no-untyped-def]
    return exists().where(
        OfferingGrant.offering_id == Offering.id, OfferingGrant.account_id == account_id
    )


async def visible_offering(
    session: AsyncSession, offering_id: int, account_id: str | None
) -> Offering | None:
    query = select(Offering).where(Offering.id == offering_id)
    if account_id is not None:
        query = query.where(or_(Offering.visibility == "public", _granted(account_id)))
    return await session.scalar(query)


async def lock_offering(session: AsyncSession, offering_id: int) -> Offering | None:
    """The offering row, locked until the transaction ends (PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serialises writers), so two approvals cannot both take the last space.

    FOR NO KEY UPDATE, not FOR UPDATE: a request's insert already holds a key-share lock on
    its offering (the foreign key), which FOR UPDATE waits for, so two requests at once
    deadlocked; NO KEY UPDATE locks still exclude each other, which is all the count needs."""
    query = (
        select(Offering)
        .where(Offering.id == offering_id)
        .with_for_update(of=Offering, key_share=True)
    )
    # `offering_lock` names the statement for tests/subscriptions/test_offering_lock.py.
    options = {"populate_existing": True, "offering_lock": True}
    return await session.scalar(query.execution_options(**options))


def active_count_query(offering_id: int) -> Select[int]:
    """The spaces taken: a subscription in arrears keeps its space (it may recover)."""
    return select(func.count()).where(
        Subscription.offering_id == offering_id, Subscription.status.in_(RUNNING_STATUSES)
    )


async def active_count(session: AsyncSession, offering_id: int) -> int:
    return int(await session.scalar(active_count_query(offering_id)) or 0)


async def next_id(session: AsyncSession, model: type[UserCategory]) -> int:
    return int(await session.scalar(select(func.max(model.id))) or 0) + 1


# Vehicles ------------------------------------------------------------------------------------


async def vehicles_of(session: AsyncSession, account_id: str) -> Sequence[Vehicle]:
    query = select(Vehicle).where(Vehicle.account_id == account_id).order_by(Vehicle.slot)
    return (await session.scalars(query)).all()


async def plate_periods(
    session: AsyncSession, account_id: str
) -> Sequence[tuple[str, date, date | None]]:
    """Each plate of the account with the days it was on a subscription of theirs that ran:
    from the later of the start and the vehicle's registration, to the end (None: still
    running). Pending, refused, withdrawn and expired requests never ran."""
    query = (
        select(Vehicle.plate, Vehicle.created_at, Subscription.start_date, Subscription.end_date)
        .join(SubscriptionVehicle, SubscriptionVehicle.vehicle_id == Vehicle.id)
        .join(Subscription, Subscription.id == SubscriptionVehicle.subscription_id)
        .where(
            Subscription.account_id == account_id,
            Vehicle.account_id == account_id,
            Subscription.start_date.is_not(None),
            Subscription.status.in_((*RUNNING_STATUSES, Status.ENDED.value)),
        )
    )
    periods: list[tuple[str, date, date | None]] = []
    for plate, registered, start, end in (await session.execute(query)).all():
        # The registration's day in Montréal: a notice's date is Montréal's (at 21:00 there,
        # the UTC date is already tomorrow's).
        registered_on = montreal_date(registered)
        first = registered_on if start is None else max(start, registered_on)
        periods.append((plate, first, end))
    return periods


async def owned_vehicle(session: AsyncSession, account_id: str, vehicle_id: str) -> Vehicle | None:
    return await session.scalar(
        select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.account_id == account_id)
    )


async def subscriptions_with_vehicle(
    session: AsyncSession, vehicle_id: str, statuses: Sequence[str]
) -> Sequence[Subscription]:
    query = (
        select(Subscription)
        .join(SubscriptionVehicle, SubscriptionVehicle.subscription_id == Subscription.id)
        .where(SubscriptionVehicle.vehicle_id == vehicle_id, Subscription.status.in_(statuses))
    )
    return (await session.scalars(query)).unique().all()


# Subscriptions -------------------------------------------------------------------------------


async def count_blocking(session: AsyncSession, account_id: str) -> int:
    """Pending, active or in-arrears subscriptions of an account."""
    query = select(func.count()).where(
        Subscription.account_id == account_id, Subscription.status.in_(BLOCKING_STATUSES)
    )
    return int(await session.scalar(query) or 0)


async def subscription(
    session: AsyncSession, subscription_id: str, *, lock: bool = False
) -> Subscription | None:
    query = select(Subscription).where(Subscription.id == subscription_id)
    if lock:
        query = query.with_for_update(of=Subscription).execution_options(populate_existing=True)
    return await session.scalar(query)


async def owned_subscription(
    session: AsyncSession, account_id: str, subscription_id: str
) -> Subscription | None:
    return await session.scalar(
        select(Subscription).where(
            Subscription.id == subscription_id, Subscription.account_id == account_id
        )
    )


async def subscriptions_of(session: AsyncSession, account_id: str) -> Sequence[Subscription]:
    query = (
        select(Subscription)
        .where(Subscription.account_id == account_id)
        .order_by(Subscription.created_at.desc())
    )
    return (await session.scalars(query)).unique().all()


async def open_request_exists(session: AsyncSession, account_id: str, offering_id: int) -> bool:
    query = select(
        exists().where(
            Subscription.account_id == account_id,
            Subscription.offering_id == offering_id,
            Subscription.status.in_(BLOCKING_STATUSES),
        )
    )
    return bool(await session.scalar(query))


async def contract_number_taken(session: AsyncSession, number: str) -> bool:
    query = select(exists().where(Subscription.contract_number == number))
    return bool(await session.scalar(query))


async def requests(
    session: AsyncSession, status: str, site_id: int | None
) -> Sequence[Subscription]:
    """Subscriptions in a status, oldest first (the operators' queue)."""
    query = select(Subscription).where(Subscription.status == status)
    if site_id is not None:
        query = query.where(Subscription.site_id == site_id)
    return (await session.scalars(query.order_by(Subscription.created_at))).unique().all()


async def search(session: AsyncSession, q: str, plate: str | None) -> Sequence[Subscription]:
    """By contract number, account id or plate, newest first."""
    conditions = [Subscription.contract_number == q, Subscription.account_id == q]
    if plate:
        with_plate = (
            select(SubscriptionVehicle.subscription_id)
            .join(Vehicle, Vehicle.id == SubscriptionVehicle.vehicle_id)
            .where(Vehicle.plate == plate)
        )
        conditions.append(Subscription.id.in_(with_plate))
    query = select(Subscription).where(or_(*conditions)).order_by(Subscription.created_at.desc())
    return (await session.scalars(query.limit(100))).unique().all()


async def history(session: AsyncSession, subscription_id: str) -> Sequence[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.subscription_id == subscription_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return (await session.scalars(query)).all()


async def audit_by_key(session: AsyncSession, key: str) -> AuditEntry | None:
    return await session.scalar(select(AuditEntry).where(AuditEntry.idempotency_key == key))


async def decided_with_key(
    session: AsyncSession, subscription_id: str, actor: str, action: str, request_key: str
) -> bool:
    """Whether this operator's form (its key) already made this decision on this request."""
    query = select(
        exists().where(
            AuditEntry.subscription_id == subscription_id,
            AuditEntry.actor == actor,
            AuditEntry.action == action,
            AuditEntry.request_key == request_key,
        )
    )
    return bool(await session.scalar(query))


async def has_contract(session: AsyncSession, subscription_id: str) -> bool:
    query = select(exists().where(Contract.subscription_id == subscription_id))
    return bool(await session.scalar(query))


async def contract_of(session: AsyncSession, subscription_id: str) -> Contract | None:
    return await session.scalar(select(Contract).where(Contract.subscription_id == subscription_id))


async def modification(session: AsyncSession, modification_id: str) -> ModificationRequest | None:
    return await session.get(ModificationRequest, modification_id)


async def modifications_of(
    session: AsyncSession, subscription_id: str
) -> Sequence[ModificationRequest]:
    query = (
        select(ModificationRequest)
        .where(ModificationRequest.subscription_id == subscription_id)
        .order_by(ModificationRequest.created_at)
    )
    return (await session.scalars(query)).all()


async def pending_modification(
    session: AsyncSession, subscription_id: str
) -> ModificationRequest | None:
    return await session.scalar(
        select(ModificationRequest).where(
            ModificationRequest.subscription_id == subscription_id,
            ModificationRequest.status == "pending",
        )
    )


# Plate check ---------------------------------------------------------------------------------


async def authorized_plates(
    session: AsyncSession,
) -> list[tuple[int, str, date | None, date | None]]:
    """(site, plate, start, end) of every vehicle on an active subscription at a plate site."""
    query = (
        select(
            Subscription.site_id,
            Vehicle.plate,
            Subscription.start_date,
            Subscription.cancellation_effective,
        )
        .join(SubscriptionVehicle, SubscriptionVehicle.subscription_id == Subscription.id)
        .join(Vehicle, Vehicle.id == SubscriptionVehicle.vehicle_id)
        .join(Site, Site.id == Subscription.site_id)
        .where(Subscription.status == Status.ACTIVE.value, Site.access_type == "plate")
    )
    return [(row[0], row[1], row[2], row[3]) for row in (await session.execute(query)).all()]


async def authorized_temporary_plates(session: AsyncSession) -> list[tuple[int, str, date, date]]:
    """(site, plate, first day, day after the last) of every active temporary vehicle of an
    active subscription at a licence-plate site, within the subscription's own days."""
    query = (
        select(
            Subscription.site_id,
            TemporaryVehicle.plate,
            TemporaryVehicle.start_date,
            TemporaryVehicle.end_date,
            Subscription.start_date,
            Subscription.cancellation_effective,
        )
        .join(Subscription, Subscription.id == TemporaryVehicle.subscription_id)
        .join(Site, Site.id == Subscription.site_id)
        .where(
            TemporaryVehicle.status == "active",
            Subscription.status == Status.ACTIVE.value,
            Site.access_type == "plate",
        )
    )
    rows = []
    for site_id, plate, first, last, sub_start, sub_end in (await session.execute(query)).all():
        after = last + timedelta(days=1)  # the index's ends are exclusive
        first = max(first, sub_start) if sub_start else first
        rows.append((site_id, plate, first, min(after, sub_end) if sub_end else after))
    return rows
