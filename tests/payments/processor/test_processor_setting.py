"""`PAYMENTS_PROCESSOR` picks the adapter: the sandbox by default, Stripe with its secrets."""

import pytest

from services.payments.config import PaymentsSettings
from services.payments.processors import ProcessorNotConfigured, configured_gateway
from services.payments.processors.stripe_gateway import StripeGateway
from services.payments.sandbox_gateway import SandboxGateway
from tests.payments.factories import PaymentsStack


async def test_the_sandbox_is_the_default_and_stripe_is_chosen_by_the_setting(
    payments: PaymentsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = payments.app.state.sessionmaker
    for name in ("PAYMENTS_PROCESSOR", "PAYMENTS_STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    default = PaymentsSettings(_env_file=None)  # type: ignore[call-arg]
    assert default.processor == "sandbox"
    assert isinstance(configured_gateway(default, sessions), SandboxGateway)
    monkeypatch.setenv("PAYMENTS_PROCESSOR", "stripe")
    with pytest.raises(ProcessorNotConfigured):  # no key, no start
        configured_gateway(PaymentsSettings(_env_file=None), sessions)  # type: ignore[call-arg]
    monkeypatch.setenv("PAYMENTS_STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("PAYMENTS_STRIPE_WEBHOOK_SECRET", "whsec_x")
    chosen = configured_gateway(PaymentsSettings(_env_file=None), sessions)  # type: ignore[call-arg]
    assert isinstance(chosen, StripeGateway)
    assert chosen.client._base == "https://api.stripe.com"
    await chosen.aclose()
