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

    async def _post(self, path: str, payload: dict[str, str]) -> dict[str, object]:
        response = await self._http.post(
            f"{self._payments}{path}", json=payload, headers=self._headers, timeout=120.0
        )
        if response.status_code != 200:
            raise http_failure("payments", response)
        activity.logger.info("export %s written", path.rsplit("/", 1)[-1])
        body: dict[str, object] = response.json()
        return body
