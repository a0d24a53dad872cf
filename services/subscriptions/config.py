"""Subscriptions settings (env prefix `SUBSCRIPTIONS_`)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class SubscriptionsSettings(BaseSettings):
    """Everything subscriptions reads from the environment; defaults serve the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="SUBSCRIPTIONS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/subscriptions.db"
    # False turns online payment off: `pad` offerings are refused (409 payment_required) and
    # only payroll-deduction (DAS) offerings can be requested.
    payments_enabled: bool = True
    # The service centre is reminded after this many days; nobody deciding expires the request.
    reminder_after_days: int = 3
    expire_after_days: int = 30
    # The version of the consent texts shown in "Sélectionner cet abonnement".
    consent_version: str = "2024-01"
    # TrueType fonts for the contract; empty: DejaVu Sans shipped in servicekit/fonts.
    contract_font: str = ""
    contract_font_bold: str = ""
    # How long a request waits for Temporal before answering 503.
    temporal_connect_seconds: float = 5.0
    # How often the outbox relay looks for requests whose workflow was never started or told
    # (their process died after the commit; docs/crash-safety.md).
    outbox_relay_seconds: float = 1.0


@lru_cache
def get_settings() -> SubscriptionsSettings:
    """The settings, read once per process."""
    return SubscriptionsSettings()
