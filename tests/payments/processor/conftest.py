"""The Stripe adapter against the local server that answers as Stripe's documentation shows,
in place of the sandbox in the session's payments app for one test."""

from collections.abc import AsyncIterator

import pytest

from tests.payments.factories import PaymentsStack
from tests.payments.processor.stripe_support import Stripe, stripe_in


@pytest.fixture
async def stripe(payments: PaymentsStack, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Stripe]:
    async with stripe_in(payments.app, monkeypatch) as found:
        yield found
