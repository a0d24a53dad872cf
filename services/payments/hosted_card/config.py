"""Settings of the hosted card page (env prefix `HOSTED_CARD_`)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.payments.config import PaymentsSettings


class HostedCardSettings(BaseSettings):
    """Where the sandbox keeps its tokens, and how long a single-use token lasts."""

    model_config = SettingsConfigDict(env_prefix="HOSTED_CARD_", env_file=".env", extra="ignore")

    # The sandbox processor's tables live in the payments database (its adapter redeems there):
    # PAYMENTS_DATABASE_URL unless this is set.
    database_url: str = "sqlite+aiosqlite:///.data/payments.db"
    # A single-use token not redeemed within this many seconds is refused.
    token_seconds: int = 600
    # Tokens issued per address (`limits` notation): what slows card testing down.
    tokens_per_address: str = "30/hour"

    def effective_database_url(self) -> str:
        """The database set for this page, else the payments service's."""
        if "database_url" in self.model_fields_set:
            return self.database_url
        return PaymentsSettings().database_url


@lru_cache
def get_settings() -> HostedCardSettings:
    """The settings, read once per process."""
    return HostedCardSettings()
