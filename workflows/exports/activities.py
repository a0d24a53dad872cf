"""Export activities: ask the payments service to write a file (it owns the bank data)."""

import httpx
from temporalio import activity

from servicekit.settings import PlatformSettings
from workflows.exports.models import Cpa005Input, ExportResult, PayrollInput
from workflows.service_errors import http_failure


class ExportActivities:
    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self._http = http
        self._payments = settings.payments_url.rstrip("/")
        self._headers = {"X-Service-Token": settings.service_token}

    @activity.defn(name="export_cpa005")
    async def cpa005(self, input: Cpa005Input) -> ExportResult:
        """The day's PAD debits as a CPA-005 file (rewritten identically when run again)."""
        body = await self._post("/internal/v1/exports/cpa005", {"day": input.day.isoformat()})
        return ExportResult(
            files=[body["path"]], count=body["count"], total_cents=body["total_cents"]
        )

    @activity.defn(name="export_payroll")
    async def payroll(self, input: PayrollInput) -> ExportResult:
        """The month's payroll deductions, one CSV per establishment."""
        body = await self._post("/internal/v1/exports/payroll", {"period": input.period})
        return ExportResult(files=body["files"], count=body["rows"])

    @activity.defn(name="pickup_pad_returns")
    async def pad_returns(self) -> ExportResult:
        """The bank's returns files waiting in the pickup folder, imported (once each)."""
        body = await self._post("/internal/v1/pad-returns/pickup", {})
        files = body["files"]
        assert isinstance(files, list)
        done = [f for f in files if f["outcome"] != "refused"]
        return ExportResult(
            files=[str(f["name"]) for f in done], count=sum(int(f["items"]) for f in done)
        )

    async def _post(self, path: str, payload: dict[str, str]) -> dict[str, object]:
        response = await self._http.post(
            f"{self._payments}{path}", json=payload, headers=self._headers, timeout=120.0
        )
        if response.status_code != 200:
            raise http_failure("payments", response)
        activity.logger.info("export %s written", path.rsplit("/", 1)[-1])
        body: dict[str, object] = response.json()
        return body
