"""Issuing the contract: its terms from the subscription, the PDF made once and kept."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import today
from servicekit.db import read_transaction, transaction
from servicekit.pdf import Fonts
from services.subscriptions import repository as repo
from services.subscriptions.contract import ContractTerms, VehicleTerms, render_apart
from services.subscriptions.errors import InvalidTransition, SubscriptionNotFound
from services.subscriptions.models import RUNNING_STATUSES, Contract, Subscription
from services.subscriptions.ports import IdentityPort, Subscriber

ISSUE_ATTEMPTS = 3  # renders before giving up when modifications keep landing meanwhile


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
    sessions: async_sessionmaker[AsyncSession],
    identity: IdentityPort,
    fonts: Fonts,
    subscription_id: str,
    key: str,
) -> Contract:
    """The contract of an active subscription: the same key returns the stored one; a new key
    (after an applied modification) issues it again with the current terms.

    No transaction is open while identity answers or the PDF renders (in the renderer
    process, `servicekit.pdf_worker`: in a thread it held the GIL and stalled the loop): on SQLite
    a write transaction holds the database's write lock, and a render of a few hundred
    milliseconds under it made every other request of the service queue behind it. The terms
    are read in one short transaction, the PDF made outside, then stored in another that checks
    again under the row lock (the key and the terms) before writing.
    """
    for _ in range(ISSUE_ATTEMPTS):
        async with read_transaction(sessions) as session:  # reads only: no write lock
            sub = await _issuable(session, subscription_id, key)
            if isinstance(sub, Contract):
                return sub
            account_id = sub.account_id
        subscriber = await identity.subscriber(account_id)
        terms = terms_of(sub, subscriber)
        pdf = await render_apart(terms, subscriber.language, fonts)
        async with transaction(sessions) as session:
            sub = await _issuable(session, subscription_id, key, lock=True)
            if isinstance(sub, Contract):
                return sub  # a concurrent call with the same key stored it meanwhile
            if terms_of(sub, subscriber) != terms:
                continue  # a modification was applied while rendering: render again
            existing = await repo.contract_of(session, sub.id)
            contract = existing or Contract(id=str(uuid.uuid4()), subscription_id=sub.id)
            contract.language, contract.pdf, contract.idempotency_key = (
                subscriber.language,
                pdf,
                key,
            )
            session.add(contract)
            await session.flush()
            return contract
    raise InvalidTransition(current_status="active")


async def _issuable(
    session: AsyncSession, subscription_id: str, key: str, *, lock: bool = False
) -> Subscription | Contract:
    """The stored contract when it has this key already, else the running subscription (in
    arrears too: the workflow's contract step may come after the first declines)."""
    sub = await repo.subscription(session, subscription_id, lock=lock)
    if sub is None:
        raise SubscriptionNotFound()
    existing = await repo.contract_of(session, sub.id)
    if existing is not None and existing.idempotency_key == key:
        return existing
    if sub.status not in RUNNING_STATUSES:
        raise InvalidTransition(current_status=sub.status)
    return sub
