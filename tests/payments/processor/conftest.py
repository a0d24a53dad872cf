"""The Stripe adapter against the local server that answers as Stripe's documentation shows,
plugged into the session's payments app in place of the sandbox for one test."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from servicekit.db import transaction
from services.payments.models import PaymentMethod
from services.payments.processors.stripe_client import StripeClient
from services.payments.processors.stripe_gateway import StripeGateway
from tests.payments.factories import PaymentsStack
from tests.payments.processor.stripe_docs import SECRET_KEY, StripeDocs, stripe_docs_app
from tests.support.processes import served

WEBHOOK_SECRET = "whsec_contract"
TIMEOUT_SECONDS = 1.0  # the adapter's timeout in these tests (the server's late answer waits)


@dataclass
class Stripe:
    docs: StripeDocs
    gateway: StripeGateway
    payments: PaymentsStack

    async def card(self, payment_method: str, account_id: str | None = None) -> PaymentMethod:
        """A card on file as the hosted card page leaves it: the browser's PaymentMethod
        redeemed (attached to a new Customer), kept as a payments method row."""
        token = await self.gateway.redeem(payment_method)
        row = PaymentMethod(
            id=str(uuid.uuid4()),
            account_id=account_id or str(uuid.uuid4()),
            kind="card",
            holder_name="Léa Tremblay",
            gateway_token=token.token,
            brand=token.brand,
            last4=token.last4,
            exp_month=token.exp_month,
            exp_year=token.exp_year,
        )
        async with transaction(self.payments.app.state.sessionmaker) as session:
            session.add(row)
        return row


@pytest.fixture
async def stripe(payments: PaymentsStack, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stripe]:
    docs = StripeDocs()
    async with served(stripe_docs_app(docs)) as url:
        client = StripeClient(url, SECRET_KEY, TIMEOUT_SECONDS)
        gateway = StripeGateway(client, "cad", "http://localhost:8000/retour")
        parts = payments.app.state.components
        monkeypatch.setattr(parts, "gateway", gateway)
        monkeypatch.setattr(parts.settings, "stripe_webhook_secret", WEBHOOK_SECRET)
        try:
            yield Stripe(docs, gateway, payments)
        finally:
            docs.release.set()  # a late answer still waiting ends now
            await gateway.aclose()
