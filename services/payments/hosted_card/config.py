"""Settings of the hosted card page (env prefix `HOSTED_CARD_`)."""

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.payments.config import PaymentsSettings

# Hosts where a plain-http Stripe.js URL is accepted: the tests' local stand-in only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})


class HostedCardSettings(BaseSettings):
    """Which processor's card form the page shows, and what each needs."""

    # A refused value is not echoed in the error: the Stripe keys are among these settings.
    model_config = SettingsConfigDict(
        env_prefix="HOSTED_CARD_", env_file=".env", extra="ignore", hide_input_in_errors=True
    )

    # `sandbox`: the page takes the card and issues the sandbox's single-use token. `stripe`:
    # Stripe.js's card element takes it (the number stays in Stripe's iframe) and the page hands
    # the portal a PaymentMethod `pm_...` set up for off-session charges (docs/payments-api.md).
    processor: Literal["sandbox", "stripe"] = "sandbox"

    # The sandbox processor's tables live in the payments database (its adapter redeems there):
    # PAYMENTS_DATABASE_URL unless this is set.
    database_url: str = "sqlite+aiosqlite:///.data/payments.db"
    # A single-use token not redeemed within this many seconds is refused.
    token_seconds: int = 600
    # Tokens (sandbox) or SetupIntents (Stripe) per address (`limits` notation): what slows
    # card testing down.
    tokens_per_address: str = "30/hour"

    # Stripe: the publishable key Stripe.js runs with, and the secret key the page's server
    # side creates SetupIntents with (PAYMENTS_STRIPE_SECRET_KEY and PAYMENTS_STRIPE_API_BASE
    # unless these are set).
    stripe_publishable_key: str = ""
    stripe_secret_key: str = ""
    stripe_api_base: str = "https://api.stripe.com"
    stripe_timeout_seconds: float = 20.0
    # Where Stripe.js is loaded from (always Stripe's own, docs.stripe.com/js/including); its
    # origin is the only one the page's CSP allows for scripts and card frames.
    stripe_js_url: str = "https://js.stripe.com/v3/"
    # The origins Stripe's CSP guide adds: Stripe.js's API calls (`connect-src`) and the issuer's
    # 3-D Secure challenge frame (`frame-src`).
    stripe_api_origin: str = "https://api.stripe.com"
    stripe_challenge_origin: str = "https://hooks.stripe.com"

    @model_validator(mode="after")
    def _stripe_is_complete(self) -> "HostedCardSettings":
        """Stripe mode without its keys or with a wrong Stripe.js URL stops the process at
        start, naming the variable (never its value)."""
        if self.processor == "stripe":
            _check_stripe(self)
        return self

    def effective_database_url(self) -> str:
        """The database set for this page, else the payments service's."""
        if "database_url" in self.model_fields_set:
            return self.database_url
        return PaymentsSettings().database_url

    def effective_stripe_secret_key(self) -> str:
        """The key set for this page, else the payments service's."""
        return self.stripe_secret_key or PaymentsSettings().stripe_secret_key

    def effective_stripe_api_base(self) -> str:
        """The API base set for this page, else the payments service's."""
        if "stripe_api_base" in self.model_fields_set:
            return self.stripe_api_base
        return PaymentsSettings().stripe_api_base


def _check_stripe(settings: HostedCardSettings) -> None:
    if not settings.stripe_publishable_key.startswith("pk_"):
        raise ValueError(
            "HOSTED_CARD_PROCESSOR=stripe needs HOSTED_CARD_STRIPE_PUBLISHABLE_KEY (pk_...)"
        )
    if not settings.effective_stripe_secret_key().startswith(("sk_", "rk_")):
        raise ValueError(
            "HOSTED_CARD_PROCESSOR=stripe needs HOSTED_CARD_STRIPE_SECRET_KEY "
            "(or PAYMENTS_STRIPE_SECRET_KEY): sk_... or a restricted rk_..."
        )
    for name in ("stripe_js_url", "stripe_api_origin", "stripe_challenge_origin"):
        if not secure_url(getattr(settings, name)):
            raise ValueError(f"HOSTED_CARD_{name.upper()} must be an https:// URL")


def secure_url(url: str) -> bool:
    """https, or http on this machine (the tests' stand-in for Stripe)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL: what a CSP source names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache
def get_settings() -> HostedCardSettings:
    """The settings, read once per process."""
    return HostedCardSettings()
