"""Payments' request throttles: what a card tester or a notice-number guesser would hammer."""

from fastapi import Depends, Request

from servicekit.auth import CurrentPrincipal
from servicekit.throttle import per_address, throttle_of


async def _card_per_account(request: Request, principal: CurrentPrincipal) -> None:
    await throttle_of(request).hit("card_account", "account", principal.account_id)


# Each card sent to the gateway counts per client address and per account.
CARD_THROTTLES = [per_address("card_address"), Depends(_card_per_account)]
CLAIM_LOOKUP_THROTTLES = [per_address("claim_lookup")]
CLAIM_PAYMENT_THROTTLES = [per_address("claim_payment")]
