"""Settings of the hosted card page (env prefix `HOSTED_CARD_`)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.payments.config import PaymentsSettings


class HostedCardSettings(BaseSettings):
    """Where the sandbox keeps its tokens, and how long a single-use token lasts."""

    model_config = SettingsConfigDict(env_prefix="HOSTED_CARD_", env_file=".env", extra="ignore")

    # The sandbox processor's tables live in the payments database (its adapter redeems there);
    # empty: PAYMENTS_DATABASE_URL.
    database_url: str = ""
    # A single-use token not redeemed within this many seconds is refused.
    token_seconds: int = 600
    # Tokens issued per address (`limits` notation): what slows card testing down.
    tokens_per_address: str = "30/hour"

    def effective_database_url(self) -> str:
        """The configured database, else the payments service's."""
        return self.database_url or PaymentsSettings().database_url


@lru_cache
def get_settings() -> HostedCardSettings:
    """The settings, read once per process."""
    return HostedCardSettings()
