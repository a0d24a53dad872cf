"""Payments in the portal: step 5 "Ajouter une carte de crédit" (card or pre-authorized debit),
"Mettre à jour la carte de crédit", and "Factures et reçus" with their PDFs.

Step 5 creates the payment method at the payments service, then the request at the subscriptions
service with that method; when the request is refused the method is removed again, so that a
failed submission leaves nothing behind.
"""

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.clock import today
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, PaymentsDep, SubscriptionsDep
from web.forms import is_form_error, see_other
from web.i18n import translator
from web.journey import (
    ADD,
    MINE,
    PAYMENT_STEP,
    draft_summary,
    journey,
    refused_request_context,
    request_body,
    request_sent,
)
from web.payment_forms import (
    StepFiveCardForm,
    bank_form,
    card_form,
    first_period,
    payment_facts,
    payment_method_replaced,
    refusal_context,
    strict_bank_form,
)
from web.payments_client import PaymentsClient
from web.presenters import parse_date
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])
log = logging.getLogger(__name__)

INVOICES = f"{MINE}/factures"


# Step 5: "Ajouter une carte de crédit"
async def _draft(account: Account, subs: SubscriptionsClient) -> dict[str, Any] | Response:
    """The complete draft of a pre-authorized debit request, or the step to go back to."""
    summary = await draft_summary(account, subs)
    if isinstance(summary, str):
        return see_other(summary)
    if summary["offering"].get("billing_mode") != "pad":
        return see_other(f"{ADD}/recapitulatif")
    return summary


async def _payment_step(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    payments: PaymentsClient,
    method: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The step 5 page, or the step to go back to (a payroll offering has no step 5)."""
    summary = await _draft(account, subs)
    if isinstance(summary, Response):
        return summary
    start = parse_date(str(summary["start"])) or today()
    context: dict[str, Any] = summary | {
        "method": method,
        "period": first_period(int(summary["offering"].get("monthly_price_cents") or 0), start),
    }
    if method == "pad":
        context["agreement"] = await account.call(payments.pad_agreement)
    context.update(extra or {})
    return render(request, "payments/step5.html", context, status_code=status)


@router.get(PAYMENT_STEP)
async def payment_step(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    payments: PaymentsDep,
    methode: str = "carte",
) -> Response:
    """ "Ajouter une carte de crédit": the first period's price, then a card or a bank account."""
    method = "pad" if methode == "pad" else "carte"
    return await _payment_step(request, account, subs, payments, method)


@router.post(f"{PAYMENT_STEP}/carte")
async def pay_by_card(
    request: Request, account: AccountDep, subs: SubscriptionsDep, payments: PaymentsDep
) -> Response:
    """ "Soumettre": the card, then the request paid by it."""
    language = account.session.language
    form = await request.form()
    checked = card_form(form, language, StepFiveCardForm)  # a card number: refused first
    summary = await _draft(account, subs)
    if isinstance(summary, Response):
        return summary
    if not form.get("card_consent"):
        checked.errors["card_consent"] = translator(language)("journey.error.consent")
    values = checked.values | {"card_consent": bool(form.get("card_consent"))}
    if checked.body is None or checked.errors:
        extra = {"values": values, "errors": checked.errors}
        return await _payment_step(request, account, subs, payments, "carte", extra, 422)
    try:
        method = await account.call(payments.add_card, checked.body)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        extra = refusal_context(exc, language) | {"values": values}
        return await _payment_step(request, account, subs, payments, "carte", extra, exc.status)
    sent = Sent(summary, method, "carte", values)
    return await _send_request(request, account, subs, payments, sent)


@router.post(f"{PAYMENT_STEP}/pad")
async def pay_by_debit(
    request: Request, account: AccountDep, subs: SubscriptionsDep, payments: PaymentsDep
) -> Response:
    """ "Ajouter": the bank account (agreement accepted, cheque specimen), then the request."""
    strict_bank_form(await request.form())  # a card number: refused first
    summary = await _draft(account, subs)
    if isinstance(summary, Response):
        return summary
    language = account.session.language
    checked, specimen = await bank_form(await request.form(), language)
    if checked.body is None or specimen is None:
        extra = {"values": checked.values, "errors": checked.errors}
        return await _payment_step(request, account, subs, payments, "pad", extra, 422)
    try:
        method = await account.call(payments.add_pad, checked.body, specimen)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        extra = refusal_context(exc, language) | {"values": checked.values}
        return await _payment_step(request, account, subs, payments, "pad", extra, exc.status)
    sent = Sent(summary, method, "pad", checked.values)
    return await _send_request(request, account, subs, payments, sent)


@dataclass(frozen=True)
class Sent:
    """A step 5 submission whose payment method was created."""

    summary: dict[str, Any]
    method: dict[str, Any]
    kind: str
    values: dict[str, Any]


async def _send_request(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    payments: PaymentsClient,
    sent: Sent,
) -> Response:
    """The request with its new method; a request not created takes the method away with it."""
    method_id = str(sent.method["id"])
    body = request_body(journey(account), sent.summary, method_id)
    try:
        created = await account.call(subs.create_subscription, body)
    except Exception as exc:
        await _discard(account, payments, method_id)
        if not isinstance(exc, ApiError) or not is_form_error(exc):
            raise
        extra = refused_request_context(exc, account.session.language)
        extra["values"] = sent.values
        return await _payment_step(request, account, subs, payments, sent.kind, extra, exc.status)
    return request_sent(account, created)


async def _discard(account: Account, payments: PaymentsClient, method_id: str) -> None:
    """Remove a method whose request was not created (best effort: it pays nothing)."""
    try:
        await account.call(payments.delete_method, method_id)
    except Exception:  # the original refusal is what the user must see
        log.warning("payment method %s of a refused request was not removed", method_id)


@router.post(f"{ADD}/abandon")
async def abandon(account: AccountDep) -> Response:
    """ "Annuler la demande": the draft is forgotten; back to MON ABONNEMENT."""
    account.session.journey = None
    account.session.notice = "notice.request_abandoned"
    return see_other(MINE)


# "Mettre à jour la carte de crédit"
async def _card_page(
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
    context: dict[str, Any] = {
        "sub": sub,
        "card": method if method and method.get("kind") == "card" else None,
        "balance_cents": facts["balance_cents"],
    }
    if context["card"] is None:
        context["form_error"] = translator(account.session.language)("card.not_a_card")
        status = 409
    context.update(extra or {})
    return render(request, "payments/card.html", context, status_code=status)


@router.get(f"{MINE}/{{subscription_id}}/carte")
async def card_form_page(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    payments: PaymentsDep,
    subscription_id: str,
) -> Response:
    """ "Mettre à jour la carte de crédit" (the page the decline emails link to)."""
    return await _card_page(request, account, subs, payments, subscription_id)


@router.post(f"{MINE}/{{subscription_id}}/carte")
async def update_card(
    request: Request,
    account: AccountDep,
    subs: SubscriptionsDep,
    payments: PaymentsDep,
    subscription_id: str,
) -> Response:
    """Replace the card; the subscription then retries what is owed at once."""
    language = account.session.language
    checked = card_form(await request.form(), language)  # a card number: refused first
    sub = await account.call(subs.subscription, subscription_id)
    method = (await payment_facts(account, payments, sub))["method"]
    if method is None or method.get("kind") != "card" or checked.body is None:
        extra = {"values": checked.values, "errors": checked.errors}
        return await _card_page(request, account, subs, payments, subscription_id, extra, 422)
    try:
        await account.call(payments.replace_card, str(method["id"]), checked.body)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        extra = refusal_context(exc, language) | {"values": checked.values}
        return await _card_page(
            request, account, subs, payments, subscription_id, extra, exc.status
        )
    await payment_method_replaced(account, subs, subscription_id)
    account.session.notice = "notice.card_updated"
    return see_other(f"{MINE}/{subscription_id}")


# "Factures et reçus"
@router.get(INVOICES)
async def invoices(request: Request, account: AccountDep, payments: PaymentsDep) -> Response:
    """The account's invoices (amounts, taxes, status), their PDFs, and the balance."""
    found = await account.call(payments.invoices)
    balance = await account.call(payments.balance)
    context = {"invoices": found, "balance_cents": balance}
    return render(request, "payments/invoices.html", context)


def _pdf(content: bytes, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type="application/pdf", headers=headers)


@router.get(f"{INVOICES}/{{invoice_id}}/pdf")
async def invoice_pdf(account: AccountDep, payments: PaymentsDep, invoice_id: str) -> Response:
    """An invoice's PDF, as an attachment."""
    return _pdf(*await account.call(payments.invoice_pdf, invoice_id))


@router.get(f"{MINE}/recus/{{receipt_id}}/pdf")
async def receipt_pdf(account: AccountDep, payments: PaymentsDep, receipt_id: str) -> Response:
    """A receipt's PDF, as an attachment."""
    return _pdf(*await account.call(payments.receipt_pdf, receipt_id))
