"""The payment method a request is billed to (step 5 of "Créer un nouvel abonnement").

A `pad` offering is debited every month from one of the subscriber's methods (a card or a bank
account), which the payments service owns; a payroll (DAS) offering is deducted by the employer
and takes none. The rules are checked twice: with the payments service before the request's
transaction (no database lock is held while another service answers), and again, without any
call, inside it.
"""

import re

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import transaction
from services.subscriptions import catalog
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.errors import (
    PaymentMethodNotApplicable,
    PaymentMethodNotFound,
    PaymentMethodRequired,
    PaymentRequired,
)
from services.subscriptions.ports import PaymentsPort
from services.subscriptions.schemas import SubscriptionIn

# The id goes into the payments service's URL: anything else than an id's characters is no id.
METHOD_ID = re.compile(r"[A-Za-z0-9-]{1,36}")


def check_rules(settings: SubscriptionsSettings, billing_mode: str, method_id: str | None) -> None:
    """Whether the offering's billing mode wants a method (none for payroll, one for `pad`)."""
    if billing_mode == "payroll":
        if method_id is not None:
            raise PaymentMethodNotApplicable()
        return
    if not settings.payments_enabled:
        raise PaymentRequired("offering_id")
    if method_id is None:
        raise PaymentMethodRequired()


async def verify(
    sessions: async_sessionmaker[AsyncSession],
    payments: PaymentsPort,
    settings: SubscriptionsSettings,
    account_id: str,
    data: SubscriptionIn,
) -> None:
    """The request's method follows the rules and is the caller's (another's is not found)."""
    async with transaction(sessions) as session:
        offering = await catalog.require_visible_offering(session, data.offering_id, account_id)
        billing_mode = offering.billing_mode
    check_rules(settings, billing_mode, data.payment_method_id)
    method_id = data.payment_method_id
    if method_id is None:
        return
    if not METHOD_ID.fullmatch(method_id) or await payments.method(account_id, method_id) is None:
        raise PaymentMethodNotFound()
