"""Issuing the contract: its terms from the subscription, the PDF made once and kept."""

import asyncio
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.subscriptions import repository as repo
from services.subscriptions.clock import today
from services.subscriptions.contract import ContractTerms, Fonts, VehicleTerms, render
from services.subscriptions.errors import InvalidTransition, SubscriptionNotFound
from services.subscriptions.models import Contract, Subscription
from services.subscriptions.ports import IdentityPort, Subscriber


def terms_of(sub: Subscription, subscriber: Subscriber) -> ContractTerms:
    """What the contract states, from the subscription as approved."""
    offering, site = sub.offering, sub.offering.site
    return ContractTerms(
        contract_number=sub.contract_number,
        subscriber_name=subscriber.name,
        employee_number=sub.employee_number,
        site_id=site.id,
        establishment=site.establishment,
        site_name=site.name,
        site_address=site.address,
        plate_site=site.access_type == "plate",
        offering_id=offering.id,
        offering_code=offering.code,
        offering_name=offering.name,
        description_fr=offering.description_fr,
        description_en=offering.description_en,
        monthly_price_cents=sub.monthly_price_cents,
        billing_mode=sub.billing_mode,
        start_date=sub.start_date or sub.requested_start,
        notice_days=sub.notice_days,
        vehicles=tuple(
            VehicleTerms(
                v.vehicle.plate, v.vehicle.make, v.vehicle.model, v.vehicle.year, v.vehicle.color
            )
            for v in sub.vehicles
        ),
        issued_on=today(),
    )


async def issue(
    session: AsyncSession, identity: IdentityPort, fonts: Fonts, subscription_id: str, key: str
) -> Contract:
    """The contract of an active subscription: the same key returns the stored one; a new key
    (after an applied modification) issues it again with the current terms."""
    sub = await repo.subscription(session, subscription_id, lock=True)
    if sub is None:
        raise SubscriptionNotFound()
    existing = await repo.contract_of(session, sub.id)
    if existing is not None and existing.idempotency_key == key:
        return existing
    if sub.status != "active":
        raise InvalidTransition(current_status=sub.status)
    subscriber = await identity.subscriber(sub.account_id)
    pdf = await asyncio.to_thread(render, terms_of(sub, subscriber), subscriber.language, fonts)
    contract = existing or Contract(id=str(uuid.uuid4()), subscription_id=sub.id)
    contract.language, contract.pdf, contract.idempotency_key = subscriber.language, pdf, key
    session.add(contract)
    await session.flush()
    return contract
