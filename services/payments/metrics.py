"""The payments service's business metrics: charges by outcome and claim notices paid,
counted where they happen; this month's invoices, read from the database at each scrape."""

from datetime import datetime

from prometheus_client import Counter, Gauge
from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.clock import MONTREAL
from servicekit.db import read_transaction
from servicekit.observability.metrics import owned_by
from services.payments.models import Invoice

OUTCOMES = ("paid", "declined", "recorded")

CHARGES = Counter(
    "parking_charges",  # exported as parking_charges_total
    "Subscription charges by outcome: paid (card or PAD), declined, recorded (payroll).",
    ["outcome"],
)
CLAIM_NOTICES_PAID = Counter(
    "parking_claim_notices_paid",  # exported as parking_claim_notices_paid_total
    "Claim notices paid online.",
)
INVOICES_CURRENT_MONTH = Gauge(
    "parking_invoices_current_month",
    "Subscriptions that have an invoice for a period covering the 1st of this month.",
)
owned_by("payments", CHARGES, CLAIM_NOTICES_PAID, INVOICES_CURRENT_MONTH)
for _outcome in OUTCOMES:  # every series exists from the start, at 0
    CHARGES.labels(_outcome)


def charge_finished(outcome: str) -> None:
    """Count one charge attempt that reached its outcome."""
    CHARGES.labels(outcome).inc()


def claim_notice_paid() -> None:
    CLAIM_NOTICES_PAID.inc()


async def refresh(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    first = now.astimezone(MONTREAL).date().replace(day=1)
    async with read_transaction(sessions) as session:
        found = await session.scalar(
            select(func.count(distinct(Invoice.subscription_id))).where(
                Invoice.subscription_id.is_not(None),
                Invoice.period_start <= first,
                Invoice.period_end >= first,
            )
        )
    INVOICES_CURRENT_MONTH.set(found or 0)
