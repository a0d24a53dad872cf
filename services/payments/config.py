"""Payments settings (env prefix `PAYMENTS_`)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class PaymentsSettings(BaseSettings):
    """Everything payments reads from the environment; defaults serve the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/payments.db"


@lru_cache
def get_settings() -> PaymentsSettings:
    """The settings, read once per process."""
    return PaymentsSettings()
