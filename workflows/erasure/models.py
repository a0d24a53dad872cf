"""Payloads of `ErasureWorkflow` (`erasure-<account id>`): the account's random id only."""

from pydantic import BaseModel, Field

from servicekit.erasure import ErasureReport

WORKFLOW_NAME = "ErasureWorkflow"


def workflow_id(account_id: str) -> str:
    return f"erasure-{account_id}"


class ErasureInput(BaseModel):
    """Erase everything the platform holds for this (deleted) account."""

    account_id: str = Field(min_length=1, max_length=64)


class ErasureStep(BaseModel):
    """Ask one service to erase the account's data."""

    account_id: str
    service: str


class ErasureProofs(BaseModel):
    """Every service's report, for identity to keep as the proof."""

    account_id: str
    reports: list[ErasureReport]


class ErasureResult(BaseModel):
    """The reports, as the workflow's result (shown in the Temporal Web UI)."""

    reports: list[ErasureReport]
