"""Bodies of the processor's endpoints: refunds and the webhook's acknowledgement."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RefundIn(BaseModel):
    """Pay back part of an account's credit to the card of one of its charges."""

    model_config = ConfigDict(extra="forbid")

    amount_cents: int = Field(gt=0, le=100_000_000)
    reason: str = Field(max_length=1000)
    idempotency_key: str = Field(min_length=8, max_length=200)


class RefundOut(BaseModel):
    id: str
    number: str
    account_id: str
    charge_id: str
    amount_cents: int
    reason: str
    operator_id: str
    status: Literal["requested", "pending", "succeeded", "failed"]
    gateway_reference: str | None = None
    created_at: datetime
    balance_cents: int


class WebhookOut(BaseModel):
    received: bool
    outcome: str
