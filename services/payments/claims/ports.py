"""What claim notices ask of other services: the plates registered to an account."""

import httpx

from servicekit.settings import PlatformSettings
from services.payments.claims.errors import SubscriptionsUnavailable


class SubscriptionsPort:
    """The subscriptions service's internal API."""

    def __init__(self, http: httpx.AsyncClient | None, settings: PlatformSettings) -> None:
        self.http = http
        self.settings = settings

    async def plates(self, account_id: str) -> list[str]:
        """The plates of the account's vehicles (normalised, as subscriptions stores them)."""
        url = f"{self.settings.subscriptions_url}/internal/v1/accounts/{account_id}/plates"
        headers = {"X-Service-Token": self.settings.service_token}
        try:
            if self.http is not None:
                response = await self.http.get(url, headers=headers)
            else:
                async with httpx.AsyncClient(timeout=10.0) as http:
                    response = await http.get(url, headers=headers)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise SubscriptionsUnavailable() from exc
        return [str(plate) for plate in response.json()["plates"]]
