"""The operators' payment views: an account's billing (Solde, invoices, methods on file) with
manual payments and credits, and claim notices (issue one, import a CSV).

Like the rest of the console, each page checks the operator role with identity first, so that a
regular account sees a clear refusal; the payments service refuses it too.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from servicekit.i18n import bilingual
from servicekit.messages import Message, lookup
from web.csrf import require_csrf
from web.dependencies import Account, AccountDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import pick, translator
from web.identity_client import ApiError
from web.payments_client import PaymentsClient
from web.routes.claims import PaymentsDep
from web.routes.operator import CONSOLE, forbidden, operator_me
from web.routes.subscriptions import SubscriptionsDep, as_int, site_label
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

ACCOUNTS = f"{CONSOLE}/comptes"
CLAIMS = f"{CONSOLE}/avis-de-reclamation"
ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
CENT = Decimal("0.01")
NOT_FOUND = bilingual("service.not_found")
KINDS = ("payment", "credit")
MAX_CSV_BYTES = 2 * 1024 * 1024
NOTICE_FIELDS = ("number", "plate", "site_id", "issued_on", "amount", "due_on")
# Codes of the CSV import that the shared validation catalog does not name.
IMPORT_MESSAGES: dict[str, Message] = {
    "claim_number_taken": bilingual("claims_import.claim_number_taken"),
    "duplicate_number": bilingual("claims_import.duplicate_number"),
    "too_many_fields": bilingual("claims_import.too_many_fields"),
    "due_before_issue": bilingual("claims_import.due_before_issue"),
    "greater_than": bilingual("claims_import.greater_than"),
    "import_too_large": bilingual("claims_import.import_too_large"),
    "encoding_invalid": bilingual("claims_import.encoding_invalid"),
}


def parse_amount(text: str) -> int | None:
    """Dollars as typed (`45`, `45,50`, `1 234.56 $`) in cents, or None when not a positive sum."""
    cleaned = re.sub(r"[\s$\u00a0]", "", text).replace(",", ".")
    try:
        amount = Decimal(cleaned)
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
            return None
    except InvalidOperation:
        return None
    return int(amount * 100)


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


async def _claims_page(
    request: Request,
    account: Account,
    subs: SubscriptionsClient,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    sites = await account.call(subs.sites)
    payments: PaymentsClient = request.app.state.payments
    context: dict[str, Any] = {
        "sites": sites,
        "site_names": {s["id"]: site_label(s) for s in sites},
        "latest": await account.call(payments.latest_claims),
        "values": {},
        "import_result": None,
    }
    context.update(extra or {})
    return render(request, "operator/claims.html", context, status_code=status)


@router.get(CLAIMS)
async def claims_page(request: Request, account: AccountDep, subs: SubscriptionsDep) -> Response:
    """Issue a claim notice, or import a CSV of them."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    return await _claims_page(request, account, subs)


def _notice_body(values: dict[str, str], language: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The notice to send, and the fields refused before sending it."""
    t = translator(language)
    errors = {k: t("claims.required") for k in NOTICE_FIELDS if not values.get(k)}
    cents = parse_amount(values["amount"]) if values.get("amount") else None
    if values.get("amount") and cents is None:
        errors["amount"] = t("opclaims.amount_invalid")
    if values.get("site_id") and as_int(values["site_id"]) is None:
        errors["site_id"] = t("opclaims.site_required")
    body = {
        "number": values["number"],
        "plate": values["plate"],
        "site_id": as_int(values["site_id"]),
        "issued_on": values["issued_on"],
        "amount_cents": cents,
        "due_on": values["due_on"],
    }
    return body, errors


# The service's field names as the form names them (`body`: the due date before the issue date).
NOTICE_ERROR_FIELDS = {"amount_cents": "amount", "body": "due_on"}


@router.post(CLAIMS)
async def create_claim(
    request: Request, account: AccountDep, subs: SubscriptionsDep, payments: PaymentsDep
) -> Response:
    """Issue one notice: number, plate, site, date, amount and due date."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in NOTICE_FIELDS}
    language = account.session.language
    body, errors = _notice_body(values, language)
    if errors:
        return await _claims_page(request, account, subs, {"errors": errors, "values": values}, 422)
    try:
        await account.call(payments.create_claim, body)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = error_context(exc, language, NOTICE_ERROR_FIELDS)
        if any(e.code == "due_before_issue" for e in exc.errors):
            context["errors"]["due_on"] = pick(IMPORT_MESSAGES["due_before_issue"], language)
        return await _claims_page(request, account, subs, {**context, "values": values}, exc.status)
    account.session.notice = "notice.claim_created"
    return see_other(CLAIMS)


def import_error_rows(result: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """Each refused line of an import: line, field and a message in the page's language."""
    rows = []
    for error in result.get("errors") or []:
        code = str(error.get("code") or "")
        text = IMPORT_MESSAGES.get(code) or lookup(code)
        line, field = error.get("line"), error.get("field")
        rows.append({"line": line, "field": field, "message": pick(text, language)})
    return rows


@router.post(f"{CLAIMS}/import")
async def import_claims(
    request: Request, account: AccountDep, subs: SubscriptionsDep, payments: PaymentsDep
) -> Response:
    """Import a CSV: the count imported, or each refused line (nothing is imported then)."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    language = account.session.language
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"file": translator(language)("opclaims.file_required")}
        return await _claims_page(request, account, subs, {"errors": errors}, 422)
    content = await upload.read(MAX_CSV_BYTES + 1)
    try:
        result = await account.call(payments.import_claims, upload.filename, content)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        return await _claims_page(request, account, subs, error_context(exc, language), exc.status)
    rows = import_error_rows(result, language)
    status = 422 if rows else 200
    extra = {"import_result": result, "import_errors": rows}
    return await _claims_page(request, account, subs, extra, status)
