"""The erasure activities: each service's idempotent erasure endpoint, then identity's proof."""

from datetime import timedelta
from urllib.parse import quote

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from servicekit.erasure import ErasureReport, erasure_path
from servicekit.settings import PlatformSettings
from workflows.erasure.models import ErasureProofs, ErasureStep
from workflows.service_errors import error_code

DEFERRED = "erasure_deferred"
MAX_DEFERRAL_SECONDS = 3 * 86400


class ErasureActivities:
    """Calls the services' `/internal/v1` erasure endpoints with the service token."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self._http = http
        self._urls = {
            "identity": settings.identity_url.rstrip("/"),
            "subscriptions": settings.subscriptions_url.rstrip("/"),
            "payments": settings.payments_url.rstrip("/"),
        }
        self._headers = {"X-Service-Token": settings.service_token}

    @activity.defn(name="erasure_erase")
    async def erase(self, step: ErasureStep) -> ErasureReport:
        """Have one service erase or anonymise the account's data; its report comes back."""
        url = self._urls[step.service] + erasure_path(quote(step.account_id, safe=""))
        response = await self._http.post(url, headers=self._headers)
        _check(step.service, response)
        report = ErasureReport.model_validate(response.json())
        if report.service != step.service:
            raise ApplicationError(f"{step.service} answered for {report.service}")
        return report

    @activity.defn(name="erasure_record_proofs")
    async def record_proofs(self, proofs: ErasureProofs) -> None:
        """Have identity keep the reports (the first report of each service stays)."""
        account = quote(proofs.account_id, safe="")
        url = f"{self._urls['identity']}/internal/v1/erasures/{account}"
        body = {"reports": [r.model_dump(mode="json") for r in proofs.reports]}
        _check("identity", await self._http.put(url, json=body, headers=self._headers))


def _check(service: str, response: httpx.Response) -> None:
    # Erasure must happen: every failure is retried (an operator sees the activity retrying in
    # the Web UI); only the status, the service's error code and a delay are kept, never more.
    if not response.is_success:
        code = error_code(response)
        raise ApplicationError(
            f"{service} answered HTTP {response.status_code} {code}".strip(),
            type=code or f"{service}_http_{response.status_code}",
            next_retry_delay=_deferred_for(response) if code == DEFERRED else None,
        )


def _deferred_for(response: httpx.Response) -> timedelta | None:
    """How long the service asked to wait (payments, until a debit is in the bank's file)."""
    try:
        seconds = int(response.json()["details"]["retry_after_seconds"])
    except (ValueError, KeyError, TypeError):
        return None
    return timedelta(seconds=min(max(seconds, 1), MAX_DEFERRAL_SECONDS))
