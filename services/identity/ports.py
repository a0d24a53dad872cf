"""What identity asks of other services."""

import httpx

from servicekit.settings import PlatformSettings
from services.identity.errors import SubscriptionsUnavailable


class SubscriptionsPort:
    """The subscriptions service, asked whether an account still has an active subscription."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self.http = http
        self.settings = settings

    async def active_count(self, account_id: str) -> int:
        """Active or pending subscriptions of the account; refuses to guess when unreachable."""
        base = self.settings.subscriptions_url
        url = f"{base}/internal/v1/accounts/{account_id}/active-subscriptions"
        try:
            response = await self.http.get(
                url, headers={"X-Service-Token": self.settings.service_token}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SubscriptionsUnavailable() from exc
        return int(response.json()["count"])
