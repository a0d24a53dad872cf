"""Payloads of `ClaimReceiptWorkflow` (`claim-receipt-<receipt id>`): ids and a language only.

The payer's address is looked up by the activity at send time from the payments service; it never
travels in a payload, a workflow id or a search attribute.
"""

from typing import Literal

from pydantic import BaseModel, Field

WORKFLOW_NAME = "ClaimReceiptWorkflow"
Language = Literal["fr", "en"]
ReceiptOutcome = Literal["sent", "no_email"]


def workflow_id(receipt_id: str) -> str:
    """The workflow id, and the email's Message-ID key: one receipt, one email."""
    return f"claim-receipt-{receipt_id}"


class ClaimReceiptInput(BaseModel):
    """Email the receipt of one paid claim notice; `language` is the page's when it was paid."""

    receipt_id: str = Field(min_length=1, max_length=64)
    language: Language = "fr"


class ClaimReceiptResult(BaseModel):
    """What became of the receipt email (`no_email`: the payer gave no address)."""

    outcome: ReceiptOutcome
