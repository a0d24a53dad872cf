"""What a service answers when asked to erase an account's data (`POST /internal/v1/accounts/
{id}/erasure`): the records it erased and those it keeps anonymised, by kind, and when.

The erasure workflow (`workflows/erasure/`) collects one report per service and has identity
keep them as the proof. A report holds counts only, never the data itself.
"""

from datetime import datetime

from pydantic import BaseModel, Field

SERVICES = ("identity", "subscriptions", "payments")


class ErasureReport(BaseModel):
    """One service's erasure of one account: repeating the call erases nothing more."""

    service: str = Field(max_length=20)
    erased: dict[str, int] = Field(default_factory=dict)
    anonymised: dict[str, int] = Field(default_factory=dict)
    erased_at: datetime


def erasure_path(account_id: str) -> str:
    """The path of every service's erasure endpoint."""
    return f"/internal/v1/accounts/{account_id}/erasure"
