"""Payments settings (env prefix `PAYMENTS_`)."""

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.secrets_box import SecretBox

DEV_DATA_KEY = "ZGV2LXBheW1lbnRzLWRhdGEta2V5LWNoYW5nZS1tZSE="  # base64 of 32 bytes, dev only


CLAIM_RETURN_PATH = "/payer-un-avis-de-reclamation/retour"


class PaymentsSettings(BaseSettings):
    """Everything payments reads from the environment; defaults serve the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/payments.db"
    # Cheque specimens, named by the server; a folder no web server serves.
    specimen_dir: str = ".data/specimens"
    # TrueType fonts for invoices and receipts; empty: DejaVu Sans shipped in servicekit/fonts.
    document_font: str = ""
    document_font_bold: str = ""
    # A duplicate charge waits this long for the first call's outcome before answering 409.
    charge_wait_seconds: float = 30.0
    # A charge still pending after this long (its caller crashed) is resumed by the next call.
    charge_stale_seconds: float = 120.0
    # Card charges sent to the gateway per second by this process (0: no limit), and how long a
    # charge may wait for its turn before answering 503 `gateway_busy` (the billing workflow
    # retries it later). Per process: N replicas send up to N × rate (gateway_pace.py).
    gateway_rate_per_second: float = 0.0
    gateway_max_wait_seconds: float = 5.0
    # Export files (CPA-005 PAD debits, payroll CSVs); a folder no web server serves.
    export_dir: str = ".data/exports"
    # The bank's returns files: dropped in `<dir>/incoming`, moved to `imported` or `refused`
    # by the pickup Schedule (docs/billing.md).
    pad_returns_dir: str = ".data/pad-returns"
    # The originator of the CPA-005 PAD file, as the bank assigned it (embedded-mode placeholders).
    cpa005_originator_id: str = "SPAQ000001"
    cpa005_short_name: str = "SPAQ"
    cpa005_long_name: str = "Societe parc-auto du Quebec"
    cpa005_return_institution: str = "815"
    cpa005_return_transit: str = "30000"
    cpa005_return_account: str = "1234567"
    cpa005_data_centre: str = "81510"
    # AES-256-GCM key of the bank account numbers at rest (base64 of 32 bytes) and its id,
    # written in every sealed value: losing the key loses the numbers.
    data_key: str = DEV_DATA_KEY
    data_key_id: str = "payments-v1"
    # How long a paid claim notice waits for Temporal before giving up on the receipt email.
    temporal_connect_seconds: float = 5.0
    # Request throttles (`limits` notation), counted in PLATFORM_RATE_LIMIT_STORAGE: guessing
    # notice numbers and testing stolen cards are what these slow down.
    claim_lookups_per_address: str = "10/minute;100/day"
    claim_payments_per_address: str = "10/hour"
    cards_per_address: str = "20/hour"
    cards_per_account: str = "10/hour"

    # The card processor: the embedded sandbox, or Stripe's REST API (services/payments/
    # processors; docs/payments-api.md "Processor"). Stripe needs its secret key and the signing
    # secret of the webhook endpoint; its base URL is changed only by the contract tests.
    processor: Literal["sandbox", "stripe"] = "sandbox"
    stripe_api_base: str = "https://api.stripe.com"
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_timeout_seconds: float = 20.0
    stripe_webhook_tolerance_seconds: int = 300
    stripe_currency: str = "cad"
    # Where the issuer's 3-D Secure page sends the payer back (a customer-present charge).
    stripe_return_url: str = "http://localhost:8000/"
    # The portal's page a claim notice's payer comes back to after 3-D Secure; the attempt's
    # opaque id is added (`?paiement=...`), never the plate or the notice's number. Empty:
    # PLATFORM_PUBLIC_WEB_ORIGIN + CLAIM_RETURN_PATH.
    claim_return_url: str = ""

    def rate_limits(self) -> dict[str, str]:
        """The named throttle rules of payments' public endpoints."""
        return {
            "claim_lookup": self.claim_lookups_per_address,
            "claim_payment": self.claim_payments_per_address,
            "card_address": self.cards_per_address,
            "card_account": self.cards_per_account,
        }


@lru_cache
def get_settings() -> PaymentsSettings:
    """The settings, read once per process."""
    return PaymentsSettings()


def data_box(settings: PaymentsSettings) -> SecretBox:
    """The box sealing bank account numbers with the configured key."""
    return SecretBox(settings.data_key, settings.data_key_id)
