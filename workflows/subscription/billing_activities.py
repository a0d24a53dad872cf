"""Billing activities of the subscription lifecycle, over the payments service's internal API.

Each call carries the workflow's idempotency key; the payments service stores it and answers a
repeat with the first result, so a retried activity, a replayed workflow or a worker that died
mid-charge never charges twice (docs/billing.md).
"""

from typing import Any
from urllib.parse import quote

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from servicekit.settings import PlatformSettings
from workflows.service_errors import http_failure
from workflows.subscription.models import (
    ChargeInput,
    ChargeResult,
    CreditInput,
    PaymentMethodInfo,
    PaymentMethodRef,
    SubscriptionRef,
    SubscriptionSnapshot,
)

# Answers to a charge that a later attempt gets past: another attempt of the same invoice is
# still running (its outcome decides this one's), or the processor's rate is taken for now
# (`gateway_busy`, a 503: PAYMENTS_GATEWAY_RATE_PER_SECOND).
TRANSIENT_CHARGE_CODES = frozenset({"charge_in_progress", "gateway_busy"})


def _charge_failure(response: httpx.Response) -> ApplicationError:
    failure = http_failure("payments", response)
    if failure.type in TRANSIENT_CHARGE_CODES:
        return ApplicationError(str(failure.message), type=failure.type, non_retryable=False)
    return failure


class BillingActivities:
    """Charges and credits; the worker injects the HTTP client and the settings."""

    def __init__(self, http: httpx.AsyncClient, settings: PlatformSettings) -> None:
        self._http = http
        self._payments = settings.payments_url.rstrip("/")
        self._subscriptions = settings.subscriptions_url.rstrip("/")
        self._headers = {"X-Service-Token": settings.service_token}

    @activity.defn(name="subscription_charge")
    async def charge(self, input: ChargeInput) -> ChargeResult:
        """Charge a period (or retry its unpaid invoice) once per key."""
        body: dict[str, Any] = input.model_dump(mode="json", exclude={"invoice_id"})
        if input.invoice_id is not None:
            body["invoice_id"] = input.invoice_id
        response = await self._http.post(
            f"{self._payments}/internal/v1/charges", json=body, headers=self._headers
        )
        if response.status_code != 200:
            raise _charge_failure(response)
        result = ChargeResult.model_validate(response.json())
        activity.logger.info("charge for %s: %s", input.period_start, result.status)
        return result

    @activity.defn(name="subscription_payment_method")
    async def payment_method(self, input: PaymentMethodRef) -> PaymentMethodInfo:
        """The kind of the subscription's payment method (a bank account needs notices)."""
        response = await self._http.get(
            f"{self._payments}/internal/v1/payment-methods/{input.payment_method_id}",
            params={"account_id": input.account_id},
            headers=self._headers,
        )
        if response.status_code != 200:
            raise http_failure("payments", response)
        return PaymentMethodInfo.model_validate(response.json(), strict=False)

    @activity.defn(name="subscription_release_payment_method")
    async def release_payment_method(self, input: SubscriptionRef) -> bool:
        """Delete the payment method of a request that never became a subscription (its cheque
        specimen with it); False when there was none or it is gone already."""
        sid = quote(input.subscription_id, safe="")
        found = await self._http.get(
            f"{self._subscriptions}/internal/v1/subscriptions/{sid}", headers=self._headers
        )
        if found.status_code != 200:
            raise http_failure("subscriptions", found)
        subscription = SubscriptionSnapshot.model_validate(found.json())
        method_id = subscription.payment_method_id
        if not method_id:
            return False
        response = await self._http.delete(
            f"{self._payments}/internal/v1/payment-methods/{quote(method_id, safe='')}",
            params={"account_id": subscription.account_id},
            headers=self._headers,
        )
        if response.status_code == 404:
            return False
        if response.status_code != 204:
            raise http_failure("payments", response)
        activity.logger.info("payment method of a closed request released")
        return True

    @activity.defn(name="subscription_credit")
    async def credit(self, input: CreditInput) -> None:
        """Credit the account's balance once per key."""
        response = await self._http.post(
            f"{self._payments}/internal/v1/credits",
            json=input.model_dump(mode="json"),
            headers=self._headers,
        )
        if response.status_code not in (200, 201):
            raise http_failure("payments", response)
        activity.logger.info("credit of %s cents recorded", input.amount_cents)
