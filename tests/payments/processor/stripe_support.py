"""The Stripe adapter against the local server that answers as Stripe's documentation shows,
plugged into the session's payments app in place of the sandbox (for the contract tests here
and the billing loop's tests in tests/workflows)."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from servicekit.db import transaction, utcnow
from services.payments.models import PaymentMethod
from services.payments.processors.stripe_client import StripeClient
from services.payments.processors.stripe_gateway import StripeGateway
from tests.payments.processor.stripe_docs import SECRET_KEY, StripeDocs, stripe_docs_app
from tests.support.processes import served

WEBHOOK_SECRET = "whsec_contract"
TIMEOUT_SECONDS = 1.0  # the adapter's timeout in these tests (the server's late answer waits)


@dataclass
class Stripe:
    docs: StripeDocs
    gateway: StripeGateway
    app: FastAPI  # the payments app using it
    url: str = ""  # the server's origin (its Stripe.js is `{url}/v3/`)

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
        async with transaction(self.app.state.sessionmaker) as session:
            session.add(row)
        return row

    async def replace_card(self, method_id: str, payment_method: str) -> None:
        """« Mettre à jour la carte de crédit » with another browser PaymentMethod."""
        token = await self.gateway.redeem(payment_method)
        async with transaction(self.app.state.sessionmaker) as session:
            await session.execute(
                update(PaymentMethod)
                .where(PaymentMethod.id == method_id)
                .values(gateway_token=token.token, last4=token.last4, updated_at=utcnow())
            )


@asynccontextmanager
async def stripe_in(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stripe]:
    """The payments `app` charging through Stripe's documented answers until the block ends."""
    docs = StripeDocs()
    async with served(stripe_docs_app(docs)) as url:
        client = StripeClient(url, SECRET_KEY, TIMEOUT_SECONDS)
        gateway = StripeGateway(client, "cad", "http://localhost:8000/retour")
        parts = app.state.components
        monkeypatch.setattr(parts, "gateway", gateway)
        monkeypatch.setattr(parts.settings, "stripe_webhook_secret", WEBHOOK_SECRET)
        try:
            yield Stripe(docs, gateway, app, url)
        finally:
            docs.release.set()  # a late answer still waiting ends now
            await gateway.aclose()
