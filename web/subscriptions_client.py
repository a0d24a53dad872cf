"""Typed calls to the subscriptions service (docs/subscriptions-api.md), on behalf of a browser.

Every public call carries the account's bearer token; the first two arguments of each method
are the caller's address and that token, so that `Account.call` refreshes the token when the
service refuses it. Errors raise the same `ApiError` as identity's client.
"""

from servicekit.i18n import bilingual
from servicekit.lifecycle import Status
from web.service_client import JSON, ServiceClient

UNAVAILABLE = bilingual("service.subscriptions.unavailable")


class SubscriptionsClient(ServiceClient):
    """One method per subscriptions endpoint the portal uses; errors raise `ApiError`."""

    unavailable_code = "subscriptions_unavailable"
    unavailable_message = UNAVAILABLE

    # Catalog
    async def sites(self, ip: str, token: str) -> list[JSON]:
        """Every site or organisation."""
        found: list[JSON] = await self._json("GET", "/v1/sites", ip, token)
        return found

    async def site_names(self, ip: str) -> dict[int, JSON]:
        """Every site by id, asked with the service token (public pages name a site too)."""
        sites: list[JSON] = await self._json("GET", "/internal/v1/sites", ip, None)
        return {int(site["id"]): site for site in sites}

    async def categories(self, ip: str, token: str, site_id: int) -> list[JSON]:
        """The user categories of a site."""
        found: list[JSON] = await self._json("GET", f"/v1/sites/{site_id}/categories", ip, token)
        return found

    async def offerings(
        self, ip: str, token: str, site_id: int, category_id: int | None = None
    ) -> list[JSON]:
        """The offerings of a site the caller may see, of one category when given."""
        params = {"category_id": category_id}
        found: list[JSON] = await self._json(
            "GET", f"/v1/sites/{site_id}/offerings", ip, token, params=params
        )
        return found

    async def price_preview(self, ip: str, token: str, offering_id: int, start: str) -> JSON:
        """« Récapitulatif »: the first (prorated) charge and the next one, from billing's code."""
        found: JSON = await self._json(
            "GET", f"/v1/offerings/{offering_id}/price-preview", ip, token, params={"start": start}
        )
        return found

    # Vehicles
    async def vehicles(self, ip: str, token: str) -> list[JSON]:
        """The account's vehicles (at most 2)."""
        found: list[JSON] = await self._json("GET", "/v1/vehicles", ip, token)
        return found

    async def add_vehicle(self, ip: str, token: str, vehicle: JSON) -> JSON:
        """Register a vehicle; the plate comes back normalised."""
        created: JSON = await self._json("POST", "/v1/vehicles", ip, token, body=vehicle)
        return created

    async def update_vehicle(self, ip: str, token: str, vehicle_id: str, vehicle: JSON) -> JSON:
        """Change a vehicle (a modification request when it is on an active subscription)."""
        path = f"/v1/vehicles/{vehicle_id}"
        answer: JSON = await self._json("PUT", path, ip, token, body=vehicle)
        return answer

    async def delete_vehicle(self, ip: str, token: str, vehicle_id: str) -> None:
        """Remove a vehicle."""
        await self._call("DELETE", f"/v1/vehicles/{vehicle_id}", ip, token)

    # Subscriptions
    async def create_subscription(self, ip: str, token: str, request: JSON) -> JSON:
        """Submit a subscription request ("Transmettre ma demande")."""
        created: JSON = await self._json("POST", "/v1/subscriptions", ip, token, body=request)
        return created

    async def subscriptions(self, ip: str, token: str) -> list[JSON]:
        """The caller's subscriptions, newest first."""
        found: list[JSON] = await self._json("GET", "/v1/subscriptions", ip, token)
        return found

    async def subscription(self, ip: str, token: str, subscription_id: str) -> JSON:
        """One of the caller's subscriptions, with its site, offering, vehicles and history."""
        found: JSON = await self._json("GET", f"/v1/subscriptions/{subscription_id}", ip, token)
        return found

    async def withdraw(self, ip: str, token: str, subscription_id: str) -> JSON:
        """Withdraw a pending request ("Annuler cette demande de service")."""
        path = f"/v1/subscriptions/{subscription_id}/withdrawal"
        answer: JSON = await self._json("POST", path, ip, token, body={})
        return answer

    async def confirm_waitlist(self, ip: str, token: str, subscription_id: str) -> JSON:
        """ "Confirmer ma place": take the space the waitlist offers."""
        path = f"/v1/subscriptions/{subscription_id}/waitlist/confirm"
        answer: JSON = await self._json("POST", path, ip, token, body={})
        return answer

    async def cancellation_preview(
        self, ip: str, token: str, subscription_id: str, date: str
    ) -> JSON:
        """The effective date a cancellation at `date` would get: `{requested, effective, ...}`."""
        path = f"/v1/subscriptions/{subscription_id}/cancellation/preview"
        answer: JSON = await self._json("POST", path, ip, token, body={"date": date})
        return answer

    async def cancel(self, ip: str, token: str, subscription_id: str, date: str) -> JSON:
        """Schedule the end of an active subscription."""
        path = f"/v1/subscriptions/{subscription_id}/cancellation"
        answer: JSON = await self._json("POST", path, ip, token, body={"date": date})
        return answer

    async def withdraw_cancellation(self, ip: str, token: str, subscription_id: str) -> JSON:
        """Withdraw a scheduled cancellation."""
        path = f"/v1/subscriptions/{subscription_id}/cancellation"
        answer: JSON = await self._json("DELETE", path, ip, token)
        return answer

    async def request_modification(
        self, ip: str, token: str, subscription_id: str, change: JSON
    ) -> JSON:
        """Ask for a change of vehicles or of offering at the same site."""
        path = f"/v1/subscriptions/{subscription_id}/modifications"
        answer: JSON = await self._json("POST", path, ip, token, body=change)
        return answer

    async def add_temporary_vehicle(
        self, ip: str, token: str, subscription_id: str, vehicle: JSON
    ) -> JSON:
        """Add a temporary vehicle (a rental, a loaner) for its days."""
        path = f"/v1/subscriptions/{subscription_id}/temporary-vehicles"
        created: JSON = await self._json("POST", path, ip, token, body=vehicle)
        return created

    async def remove_temporary_vehicle(
        self, ip: str, token: str, subscription_id: str, vehicle_id: str
    ) -> None:
        """Remove a temporary vehicle before its end."""
        path = f"/v1/subscriptions/{subscription_id}/temporary-vehicles/{vehicle_id}"
        await self._call("DELETE", path, ip, token)

    async def payment_method_updated(self, ip: str, token: str, subscription_id: str) -> None:
        """Tell the subscription its card was replaced: outstanding invoices are retried now."""
        path = f"/v1/subscriptions/{subscription_id}/payment-method-updated"
        await self._call("POST", path, ip, token, body={})

    async def contract(self, ip: str, token: str, subscription_id: str) -> bytes:
        """The contract PDF."""
        path = f"/v1/subscriptions/{subscription_id}/contract"
        return (await self._call("GET", path, ip, token)).content

    # Operators
    async def pending_requests(self, ip: str, token: str, site_id: int | None = None) -> list[JSON]:
        """Pending requests, oldest first, of one site when given."""
        params = {"site_id": site_id, "status": Status.PENDING_APPROVAL.value}
        found: list[JSON] = await self._json(
            "GET", "/v1/operator/requests", ip, token, params=params
        )
        return found

    async def occupancy(self, ip: str, token: str, site_id: int | None = None) -> JSON:
        """Per site and offering: spaces, requests and this month's billed amount."""
        found: JSON = await self._json(
            "GET", "/v1/operator/occupancy", ip, token, params={"site_id": site_id}
        )
        return found

    async def operator_subscription(self, ip: str, token: str, subscription_id: str) -> JSON:
        """A request or subscription's full detail, history and workflow id."""
        path = f"/v1/operator/subscriptions/{subscription_id}"
        found: JSON = await self._json("GET", path, ip, token)
        return found

    async def search(self, ip: str, token: str, query: str) -> list[JSON]:
        """Subscriptions by contract number, plate or account id."""
        found = await self._json("GET", "/v1/operator/search", ip, token, params={"q": query})
        if isinstance(found, dict):  # tolerate `{"results": [...]}`
            found = found.get("results") or found.get("items") or []
        return list(found or [])

    async def decide(
        self,
        ip: str,
        token: str,
        subscription_id: str,
        decision: str,
        reason: str | None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Approve or refuse a pending request (the form's key makes a resubmission harmless)."""
        path = f"/v1/operator/subscriptions/{subscription_id}/decision"
        body = {"decision": decision, "reason": reason or None}
        if idempotency_key:
            body["idempotency_key"] = idempotency_key
        answer: JSON = await self._json("POST", path, ip, token, body=body)
        return answer

    async def operator_cancel(self, ip: str, token: str, subscription_id: str, date: str) -> JSON:
        """Cancel a running subscription at a date for its subscriber (audited as the operator)."""
        path = f"/v1/operator/subscriptions/{subscription_id}/cancellation"
        answer: JSON = await self._json("POST", path, ip, token, body={"date": date})
        return answer

    async def operator_withdraw_cancellation(
        self, ip: str, token: str, subscription_id: str
    ) -> JSON:
        """Withdraw a scheduled cancellation for the subscriber (audited as the operator)."""
        path = f"/v1/operator/subscriptions/{subscription_id}/cancellation"
        answer: JSON = await self._json("DELETE", path, ip, token)
        return answer

    async def decide_modification(
        self, ip: str, token: str, modification_id: str, decision: str, reason: str | None
    ) -> JSON:
        """Approve or refuse a modification request."""
        path = f"/v1/operator/modifications/{modification_id}/decision"
        body = {"decision": decision, "reason": reason or None}
        answer: JSON = await self._json("POST", path, ip, token, body=body)
        return answer
