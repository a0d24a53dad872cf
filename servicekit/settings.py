"""Settings base: every setting comes from the environment, with embedded-mode defaults."""

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.actor_token import parse_keys

DEV_SERVICE_TOKEN = "dev-service-token-change-me"
DEV_PAYLOAD_KEY = "ZGV2LXBheWxvYWQta2V5LWNoYW5nZS1tZS0zMmJ5dGU="  # base64 of 32 bytes, dev only
DEV_ACTOR_TOKEN_KEY = "dev-actor-token-key-change-me-0123456789abcdef"  # dev only


class PlatformSettings(BaseSettings):
    """Settings every component reads (env prefix `PLATFORM_`)."""

    # A refused value is not echoed in the error: several of these settings are secrets.
    model_config = SettingsConfigDict(
        env_prefix="PLATFORM_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    service_token: str = DEV_SERVICE_TOKEN
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "parking-platform"
    payload_key: str = DEV_PAYLOAD_KEY
    # HMAC key(s) of the actor tokens subscriptions signs and the worker's update validators
    # check (servicekit/actor_token.py); comma-separated for a rotation, the first signs.
    actor_token_key: str = DEV_ACTOR_TOKEN_KEY
    # How long an actor token stays valid: the update must reach a worker within this time.
    actor_token_seconds: int = 120
    identity_url: str = "http://127.0.0.1:8001"
    subscriptions_url: str = "http://127.0.0.1:8002"
    payments_url: str = "http://127.0.0.1:8003"
    public_web_origin: str = "http://localhost:8000"
    # The payment processor's hosted card page (the sandbox's on port 8005): the portal frames
    # it (CSP `frame-src` is exactly this origin) and receives a single-use token from it.
    hosted_card_origin: str = "http://localhost:8005"
    token_issuer: str = "parking-identity"
    token_audience: str = "parking-platform"
    temporal_ui_url: str = "http://localhost:8233"
    # How long subscriptions and payments trust their copy of identity's ended sessions: a
    # logged-out or deleted account's token stops working everywhere within this many seconds.
    session_cutoffs_refresh_seconds: float = 2.0
    # Where request throttles count: each process's memory by default (the embedded mode, one
    # replica of each service); a shared store such as `redis://127.0.0.1:6379/0` when a service
    # runs as several replicas, so that a limit holds across them.
    rate_limit_storage: str = "memory://"

    @field_validator("actor_token_key")
    @classmethod
    def _strong_actor_token_key(cls, value: str) -> str:
        """A short or empty key stops the process at start, naming the variable."""
        parse_keys(value)
        return value


def platform_settings() -> PlatformSettings:
    """Read the platform-wide settings from the environment."""
    return PlatformSettings()
