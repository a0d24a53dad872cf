"""What claim notices ask of other services: when plates were on an account's subscriptions."""

from dataclasses import dataclass
from datetime import date

import httpx

from servicekit.settings import PlatformSettings
from services.payments.claims.errors import SubscriptionsUnavailable


class SubscriptionsPort:
    """The subscriptions service's internal API."""

    def __init__(self, http: httpx.AsyncClient | None, settings: PlatformSettings) -> None:
        self.http = http
        self.settings = settings

    async def plate_periods(self, account_id: str) -> list["PlatePeriod"]:
        """When each plate (normalised, as subscriptions stores them) was on a subscription of
        the account that ran."""
        base = self.settings.subscriptions_url
        url = f"{base}/internal/v1/accounts/{account_id}/plate-periods"
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
        return [
            PlatePeriod(
                plate=str(p["plate"]),
                start=date.fromisoformat(p["start"]),
                end=date.fromisoformat(p["end"]) if p.get("end") else None,
            )
            for p in response.json()["periods"]
        ]


@dataclass(frozen=True)
class PlatePeriod:
    """A plate on one of the account's running subscriptions, `end` None while it runs."""

    plate: str
    start: date
    end: date | None

    def covers(self, plate: str, day: date) -> bool:
        """Whether a notice on `plate` issued on `day` falls in this period."""
        return plate == self.plate and self.start <= day and (self.end is None or day <= self.end)
