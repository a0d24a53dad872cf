"""Subscriptions settings (env prefix `SUBSCRIPTIONS_`)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class SubscriptionsSettings(BaseSettings):
    """Everything subscriptions reads from the environment; defaults serve the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="SUBSCRIPTIONS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/subscriptions.db"


@lru_cache
def get_settings() -> SubscriptionsSettings:
    """The settings, read once per process."""
    return SubscriptionsSettings()
