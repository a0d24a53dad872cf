"""The operators' payment views: an account's billing (Solde, invoices, methods on file) with
manual payments and credits (claim notices are in `operator_claims.py`).

Like the rest of the console, each page checks the operator role with identity first, so that a
regular account sees a clear refusal; the payments service refuses it too.
"""

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from servicekit.i18n import bilingual
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, PaymentsDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import translator
from web.operator_console import CONSOLE, forbidden, operator_me
from web.payments_client import PaymentsClient
from web.presenters import parse_amount
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

ACCOUNTS = f"{CONSOLE}/comptes"
ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
NOT_FOUND = bilingual("service.not_found")
KINDS = ("payment", "credit")
# Codes of the CSV import that the shared validation catalog does not name.


def valid_id(value: str) -> str:
    """An id taken from the address, refused (404) unless it looks like one."""
    if not ID.match(value):
        raise not_found()
    return value


def not_found() -> ApiError:
    """The 404 of a record that is not there (or not this account's)."""
    return ApiError("not_found", None, NOT_FOUND, 404)


# --- An account's billing ------------------------------------------------------------------


async def _billing_page(
    request: Request,
    account: Account,
    payments: PaymentsClient,
    account_id: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    billing = await account.call(payments.account_billing, account_id)
    context: dict[str, Any] = {"billing": billing, "account_id": account_id, "values": {}}
    context.update(extra or {})
    return render(request, "operator/billing.html", context, status_code=status)


@router.get(f"{ACCOUNTS}/{{account_id}}/facturation")
async def account_billing(
    request: Request, account: AccountDep, payments: PaymentsDep, account_id: str
) -> Response:
    """An account's Solde, invoices (PDF), methods on file and adjustments."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    return await _billing_page(request, account, payments, valid_id(account_id))


def _adjustment_errors(values: dict[str, str], language: str) -> dict[str, str]:
    t = translator(language)
    errors = {}
    if values["kind"] not in KINDS:
        errors["kind"] = t("opbilling.kind_required")
    if parse_amount(values["amount"]) is None:
        errors["amount"] = t("opclaims.amount_invalid")
    return errors


@router.post(f"{ACCOUNTS}/{{account_id}}/ajustements")
async def adjust(
    request: Request, account: AccountDep, payments: PaymentsDep, account_id: str
) -> Response:
    """Record a manual payment or a credit; the reason is mandatory (the service says so)."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    account_id = valid_id(account_id)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("kind", "amount", "reason")}
    language = account.session.language
    errors = _adjustment_errors(values, language)
    if errors:
        extra = {"errors": errors, "values": values}
        return await _billing_page(request, account, payments, account_id, extra, 422)
    cents = parse_amount(values["amount"]) or 0
    try:
        await account.call(
            payments.adjust_account, account_id, values["kind"], cents, values["reason"]
        )
    except ApiError as exc:
        if not is_form_error(exc) or exc.status == 404:
            raise
        extra = {**error_context(exc, language, {"amount_cents": "amount"}), "values": values}
        return await _billing_page(request, account, payments, account_id, extra, exc.status)
    account.session.notice = "notice.adjustment_recorded"
    return see_other(f"{ACCOUNTS}/{account_id}/facturation")


@router.get(f"{ACCOUNTS}/{{account_id}}/factures/{{invoice_id}}/pdf")
async def invoice_pdf(
    request: Request, account: AccountDep, payments: PaymentsDep, account_id: str, invoice_id: str
) -> Response:
    """One of the account's invoices as a PDF (only an invoice of that account)."""
    return await _document(request, account, payments, account_id, invoice_id, receipt=False)


@router.get(f"{ACCOUNTS}/{{account_id}}/recus/{{invoice_id}}/pdf")
async def receipt_pdf(
    request: Request, account: AccountDep, payments: PaymentsDep, account_id: str, invoice_id: str
) -> Response:
    """The receipt of one of the account's paid invoices as a PDF."""
    return await _document(request, account, payments, account_id, invoice_id, receipt=True)


async def _document(
    request: Request,
    account: Account,
    payments: PaymentsClient,
    account_id: str,
    invoice_id: str,
    receipt: bool,
) -> Response:
    if await operator_me(account) is None:
        return forbidden(request, account)
    billing = await account.call(payments.account_billing, valid_id(account_id))
    if not any(i.get("id") == invoice_id for i in billing.get("invoices") or []):
        raise not_found()
    fetch = payments.receipt_pdf if receipt else payments.invoice_pdf
    pdf, name = await account.call(fetch, invoice_id)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get(f"{ACCOUNTS}/{{account_id}}/methodes/{{method_id}}/specimen")
async def cheque_specimen(
    request: Request, account: AccountDep, payments: PaymentsDep, account_id: str, method_id: str
) -> Response:
    """The cheque specimen of one of the account's bank accounts, to check the numbers."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    billing = await account.call(payments.account_billing, valid_id(account_id))
    if not any(m.get("id") == method_id for m in billing.get("methods") or []):
        raise not_found()
    content, media_type, name = await account.call(payments.specimen, method_id)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media_type, headers=headers)


# --- Claim notices --------------------------------------------------------------------------


# The service's field names as the form names them (`body`: the due date before the issue date).
