"""Real card processors behind the gateway port (`services.payments.gateway`).

`configured_gateway` builds the one `PAYMENTS_PROCESSOR` names: the embedded sandbox (the
default) or Stripe (`stripe_gateway`), whose contract tests run against a local server that
answers as Stripe's documentation shows; it has not been run against the live Stripe API.
"""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.payments.config import PaymentsSettings
from services.payments.gateway import PaymentGateway


class ProcessorNotConfigured(RuntimeError):
    """`PAYMENTS_PROCESSOR=stripe` without its secrets: the service does not start."""


def configured_gateway(
    settings: PaymentsSettings, sessions: async_sessionmaker[AsyncSession]
) -> PaymentGateway:
    """The adapter the settings choose."""
    if settings.processor == "stripe":
        from services.payments.processors.stripe_client import StripeClient
        from services.payments.processors.stripe_gateway import StripeGateway

        if not settings.stripe_secret_key or not settings.stripe_webhook_secret:
            raise ProcessorNotConfigured(
                "PAYMENTS_PROCESSOR=stripe needs PAYMENTS_STRIPE_SECRET_KEY and "
                "PAYMENTS_STRIPE_WEBHOOK_SECRET"
            )
        client = StripeClient(
            settings.stripe_api_base, settings.stripe_secret_key, settings.stripe_timeout_seconds
        )
        return StripeGateway(client, settings.stripe_currency, settings.stripe_return_url)
    from services.payments.sandbox_gateway import SandboxGateway

    return SandboxGateway(sessions)
