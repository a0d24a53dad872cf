"""What subscriptions asks of other services."""

from dataclasses import dataclass
from typing import Literal

import httpx

from servicekit.settings import PlatformSettings
from services.subscriptions.errors import IdentityUnavailable


@dataclass(frozen=True)
class Subscriber:
    """The contract's other party, as identity knows them."""

    account_id: str
    name: str
    language: Literal["fr", "en"]


class IdentityPort:
    """The identity service, asked for a subscriber's name and language."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self.http = http
        self.settings = settings

    async def subscriber(self, account_id: str) -> Subscriber:
        """Name and language of the account; refuses to guess when identity is unreachable."""
        url = f"{self.settings.identity_url}/internal/v1/accounts/{account_id}"
        try:
            response = await self.http.get(
                url, headers={"X-Service-Token": self.settings.service_token}
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise IdentityUnavailable() from exc
        data = response.json()
        profile = data.get("profile") or {}
        name = " ".join(p for p in (profile.get("first_name"), profile.get("last_name")) if p)
        language: Literal["fr", "en"] = "en" if data.get("language") == "en" else "fr"
        return Subscriber(account_id, name or str(data.get("email", "")), language)
