"""The temporary vehicle's one activity: mark it ended in the subscriptions service.

Idempotent by state: the service ends an `active` temporary vehicle once and answers the same
for one already ended or removed; a vehicle erased since (its account deleted) is `gone`.
"""

from urllib.parse import quote

import httpx
from temporalio import activity

from servicekit.settings import PlatformSettings
from workflows.service_errors import http_failure
from workflows.temporary_vehicle.models import TemporaryVehicleRef, TemporaryVehicleResult


class TemporaryVehicleActivities:
    """The worker injects the HTTP client and the settings."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self._http = http
        self._subscriptions = settings.subscriptions_url.rstrip("/")
        self._headers = {"X-Service-Token": settings.service_token}

    @activity.defn(name="temporary_vehicle_end")
    async def end(self, ref: TemporaryVehicleRef) -> TemporaryVehicleResult:
        """End the temporary vehicle (its plate leaves the plate check's index)."""
        vehicle = quote(ref.temporary_vehicle_id, safe="")
        response = await self._http.post(
            f"{self._subscriptions}/internal/v1/temporary-vehicles/{vehicle}/end",
            headers=self._headers,
        )
        if response.status_code == 404:
            return TemporaryVehicleResult(
                temporary_vehicle_id=ref.temporary_vehicle_id, outcome="gone"
            )
        if response.status_code != 200:
            raise http_failure("subscriptions", response)
        return TemporaryVehicleResult.model_validate(response.json())
