"""What billing asks of the other services: a subscription's payroll facts, an account's names.

Both answers come from internal endpoints (`X-Service-Token`); payments keeps no copy of them,
so an export always carries the names and numbers as they are on the day it runs.
"""

from dataclasses import dataclass
from typing import Any

import httpx

from servicekit.settings import PlatformSettings
from services.payments.errors import ExportDataInvalid, SourceUnavailable


@dataclass(frozen=True)
class SubscriptionFacts:
    """What a payroll line needs from the subscription."""

    account_id: str
    contract_number: str
    employee_number: str
    establishment: str


@dataclass(frozen=True)
class Names:
    first_name: str
    last_name: str


SUBSCRIPTION_FIELDS = ("account_id", "contract_number", "employee_number", "establishment")


def _field(body: dict[str, Any], name: str, subscription_id: str) -> str:
    """A field the answer must carry; its absence is named rather than a bare KeyError."""
    value = body.get(name)
    if value is None:
        raise ExportDataInvalid(subscription_id=subscription_id, problem=f"{name}_missing")
    return str(value)


class PlatformPort:
    """The subscriptions and identity internal APIs, over the app's shared httpx client."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self.http = http
        self.settings = settings

    async def subscription(self, subscription_id: str) -> SubscriptionFacts:
        """The subscription's contract and employee numbers and its site's establishment."""
        url = f"{self.settings.subscriptions_url}/internal/v1/subscriptions/{subscription_id}"
        body = await self._get(url, subscription_id=subscription_id)
        return SubscriptionFacts(
            *(_field(body, name, subscription_id) for name in SUBSCRIPTION_FIELDS)
        )

    async def names(self, account_id: str) -> Names:
        """The account holder's first and last names (from the profile)."""
        url = f"{self.settings.identity_url}/internal/v1/accounts/{account_id}"
        profile = (await self._get(url, account_id=account_id)).get("profile")
        if not profile:  # no profile: nobody to name on the employer's list
            raise ExportDataInvalid(account_id=account_id, problem="profile_missing")
        return Names(str(profile["first_name"]), str(profile["last_name"]))

    async def _get(self, url: str, **about: Any) -> dict[str, Any]:
        """The JSON answer; a missing record is a data problem, anything else an outage."""
        headers = {"X-Service-Token": self.settings.service_token}
        try:
            response = await self.http.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise SourceUnavailable() from exc
        if response.status_code == 404:
            raise ExportDataInvalid(**about, problem="not_found")
        if response.status_code != 200:
            raise SourceUnavailable()
        answer: dict[str, Any] = response.json()
        return answer
