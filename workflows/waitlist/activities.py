"""The waitlist workflow's activity: one round of an offering's list in the subscriptions
service (the emails go through the subscription lifecycle's `subscription_email_user`).

A repeated round changes nothing more: spaces are counted under the offering's row lock, and an
entry already offered is not offered again.
"""

import httpx
from temporalio import activity

from servicekit.settings import PlatformSettings
from workflows.service_errors import http_failure
from workflows.waitlist.models import RoundRequest, WaitlistRound


class WaitlistActivities:
    """The worker injects the HTTP client and the settings."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self._http = http
        self._subscriptions = settings.subscriptions_url.rstrip("/")
        self._headers = {"X-Service-Token": settings.service_token}

    @activity.defn(name="waitlist_round")
    async def round(self, request: RoundRequest) -> WaitlistRound:
        """Lapse offers past their deadline, offer free spaces to the first people waiting."""
        response = await self._http.post(
            f"{self._subscriptions}/internal/v1/offerings/{request.offering_id}/waitlist/round",
            json={"now": request.now.isoformat()},
            headers=self._headers,
        )
        if response.status_code != 200:
            raise http_failure("subscriptions", response)
        result = WaitlistRound.model_validate(response.json())
        activity.logger.info(
            "waitlist round: %d offered, %d lapsed", len(result.offered), len(result.lapsed)
        )
        return result
