"""Payloads of `ExportWorkflow`: which export, and (optionally) which day or month."""

from datetime import date
from typing import Literal

from pydantic import BaseModel

EXPORT_WORKFLOW = "ExportWorkflow"
ExportKind = Literal["cpa005", "payroll", "pad_returns"]


class ExportRequest(BaseModel):
    """A schedule's fixed argument; `day`/`period` default to what the run's time implies."""

    kind: ExportKind
    day: date | None = None  # CPA-005: the day whose debits are exported
    period: str | None = None  # payroll: "YYYY-MM"


class ExportResult(BaseModel):
    files: list[str]
    count: int
    total_cents: int | None = None


class Cpa005Input(BaseModel):
    day: date


class PayrollInput(BaseModel):
    period: str
