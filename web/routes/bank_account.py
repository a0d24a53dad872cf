"""« Fournir de nouvelles coordonnées bancaires »: the subscriber replaces the bank account the
bank refused (closed, invalid...), on the page the returned-debit email and the portal's banner
link to; what is owed is then debited from the new account at once."""

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, PaymentsDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import translator
from web.journey import MINE
from web.payment_forms import (
    bank_form,
    payment_facts,
    payment_method_replaced,
    refusal_context,
    strict_bank_form,
)
from web.payments_client import PaymentsClient
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])
log = logging.getLogger(__name__)


async def _page(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    payments: PaymentsClient,
    subscription_id: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    sub = await account.call(subs.subscription, subscription_id)
    facts = await payment_facts(account, payments, sub)
    method = facts["method"]
    bank = method if method and method.get("kind") == "pad" else None
    context: dict[str, Any] = {
        "sub": sub,
        "bank": bank,
        "bank_refusal": facts["bank_refusal"],
        "balance_cents": facts["balance_cents"],
        "agreement": await account.call(payments.pad_agreement),
        "values": {"holder_name": bank.get("holder_name") if bank else ""},
    }
    if bank is None:
        context["form_error"] = translator(account.session.language)("bank.not_a_bank_account")
        status = 409
    context.update(extra or {})
    return render(request, "payments/bank_account.html", context, status_code=status)


@router.get(f"{MINE}/{{subscription_id}}/compte-bancaire")
async def bank_account_page(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    payments: PaymentsDep,
    subscription_id: str,
) -> Response:
    """The bank account paying the subscription, and the form to give new details."""
    return await _page(request, account, subs, payments, subscription_id)


@router.post(f"{MINE}/{{subscription_id}}/compte-bancaire")
async def replace_bank_account(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    payments: PaymentsDep,
    subscription_id: str,
) -> Response:
    """Replace the bank account's details; the subscription then retries what is owed."""
    strict_bank_form(await request.form())  # a card number: refused first
    language = account.session.language
    sub = await account.call(subs.subscription, subscription_id)
    method = (await payment_facts(account, payments, sub))["method"]
    checked, specimen = await bank_form(await request.form(), language)
    if method is None or method.get("kind") != "pad" or checked.body is None or specimen is None:
        extra = {"values": checked.values, "errors": checked.errors}
        return await _page(request, account, subs, payments, subscription_id, extra, 422)
    try:
        await account.call(payments.replace_pad, str(method["id"]), checked.body, specimen)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        extra = refusal_context(exc, language) | {"values": checked.values}
        return await _page(request, account, subs, payments, subscription_id, extra, exc.status)
    await payment_method_replaced(account, subs, subscription_id)
    account.session.notice = "notice.bank_account_updated"
    return see_other(f"{MINE}/{subscription_id}")
