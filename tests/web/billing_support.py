"""A paid invoice for a test account, made through the payments service's own APIs: a card
saved with the user's token, then a charge as the subscription workflow sends it."""

import uuid

import httpx

from servicekit.settings import PlatformSettings
from tests.payments.factories import card_token
from tests.web.support import Account, bearer


async def paid_invoice(
    pay_api: httpx.AsyncClient, token: str, user: Account, platform: PlatformSettings
) -> dict[str, object]:
    """March 2028 at 65,00 $ paid by VISA: the charge's answer (`invoice_id`, `status`)."""
    card = await pay_api.post(
        "/v1/payment-methods/card",
        json={"holder_name": "Marie Tremblay", "card_token": await card_token(pay_api)},
        headers=bearer(token),
    )
    assert card.status_code == 201, card.text
    charge = {
        "idempotency_key": f"sub-{uuid.uuid4().hex}:2028-03",
        "account_id": user.id,
        "subscription_id": str(uuid.uuid4()),
        "payment_method_id": card.json()["id"],
        "period_start": "2028-03-01",
        "period_end": "2028-03-31",
        "amount_cents": 6500,
        "description": "Abonnement 1461 - mars 2028",
    }
    charged = await pay_api.post(
        "/internal/v1/charges",
        json=charge,
        headers={"X-Service-Token": platform.service_token},
    )
    assert charged.status_code == 200 and charged.json()["status"] == "paid", charged.text
    answer: dict[str, object] = charged.json()
    return answer
