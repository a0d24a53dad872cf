"""What subscriptions asks of other services."""

from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import quote

import httpx

from servicekit.settings import PlatformSettings
from services.subscriptions.errors import IdentityUnavailable, PaymentsUnavailable


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


@dataclass(frozen=True)
class PaymentMethod:
    """A payment method as the payments service describes it (never the card number)."""

    id: str
    kind: str
    brand: str | None
    last4: str | None


class PaymentsPort:
    """The payments service, asked whether a payment method is one of an account's."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self.http = http
        self.settings = settings

    async def method(self, account_id: str, method_id: str) -> PaymentMethod | None:
        """The account's method with this id; None when it is missing or another account's."""
        path = f"/internal/v1/payment-methods/{quote(method_id, safe='')}"
        url = f"{self.settings.payments_url}{path}"
        try:
            response = await self.http.get(
                url,
                params={"account_id": account_id},
                headers={"X-Service-Token": self.settings.service_token},
            )
            if _not_theirs(response):
                return None
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise PaymentsUnavailable() from exc
        data = response.json()
        return PaymentMethod(data["id"], data["kind"], data.get("brand"), data.get("last4"))

    async def billed_totals(
        self, first: date, groups: dict[str, list[str]]
    ) -> dict[str, int] | None:
        """The month's invoiced totals per group of subscription ids; None when payments does
        not answer (the occupancy page then says so instead of showing zeros)."""
        try:
            response = await self.http.post(
                f"{self.settings.payments_url}/internal/v1/billed-totals",
                json={"month": first.isoformat(), "groups": groups},
                headers={"X-Service-Token": self.settings.service_token},
            )
            response.raise_for_status()
        except httpx.HTTPError:
            return None
        totals: dict[str, int] = response.json()["totals_cents"]
        return totals


def _not_theirs(response: httpx.Response) -> bool:
    """Payments' own answer for a method that is missing or another account's: a 404 from a
    wrong URL (payments not deployed yet) is an outage, not a reason to blame the user."""
    if response.status_code != 404:
        return False
    try:
        return bool(response.json().get("error") == "payment_method_not_found")
    except ValueError:
        return False
