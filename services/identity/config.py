"""Identity settings (env prefix `IDENTITY_`)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentitySettings(BaseSettings):
    """Everything identity reads from the environment; defaults serve the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/identity.db"
    signing_key_path: str = ".data/identity/signing-key.pem"
    # Derives the single-use links from the workflow's idempotency key (stored only hashed).
    link_secret: str = "dev-link-secret-change-me"
    access_token_minutes: int = 10
    refresh_token_days: int = 30
    # A refresh token presented again this soon after its rotation gets the same successor (two
    # web replicas refreshing one session at once); later, a reuse ends every session.
    refresh_reuse_grace_seconds: float = 5.0
    verification_link_hours: int = 72
    reset_link_minutes: int = 60
    unverified_account_days: int = 7
    login_window_minutes: int = 15
    # Per (email typed, client address): the owner elsewhere is not affected.
    login_failures_per_account: int = 10
    login_failures_per_address: int = 50
    # Per email typed, from every address, in an hour (RULES.md); a password reset empties it.
    login_failures_per_email_hour: int = 100
    resend_min_seconds: int = 60
    # Request throttles (`limits` notation), counted in PLATFORM_RATE_LIMIT_STORAGE. An address
    # may be a whole hospital behind one NAT: the signup limit leaves room for a team.
    signups_per_address: str = "30/hour"
    resend_per_hour: int = 5
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1

    def rate_limits(self) -> dict[str, str]:
        """The named throttle rules of identity's public endpoints."""
        minimum, per_hour = self.resend_min_seconds, self.resend_per_hour
        return {
            "signup": self.signups_per_address,
            # Account emails per address typed (services/identity/account_emails.py).
            "account_email": f"1 per {minimum} seconds;{per_hour} per 1 hour",
        }


@lru_cache
def get_settings() -> IdentitySettings:
    """The settings, read once per process."""
    return IdentitySettings()
