"""The operator console's claim notices ("avis de réclamation"): the latest notices, one notice
entered by hand, or a CSV file imported whole or not at all."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from servicekit.i18n import bilingual
from servicekit.messages import Message, lookup
from web.account import Account
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, PaymentsDep, SubscriptionsDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import pick, translator
from web.operator_console import CONSOLE, forbidden, operator_me
from web.payments_client import PaymentsClient
from web.presenters import as_int, parse_amount, site_label
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

CLAIMS = f"{CONSOLE}/avis-de-reclamation"


MAX_CSV_BYTES = 2 * 1024 * 1024


NOTICE_FIELDS = ("number", "plate", "site_id", "issued_on", "amount", "due_on")


IMPORT_MESSAGES: dict[str, Message] = {
    "claim_number_taken": bilingual("claims_import.claim_number_taken"),
    "duplicate_number": bilingual("claims_import.duplicate_number"),
    "too_many_fields": bilingual("claims_import.too_many_fields"),
    "due_before_issue": bilingual("claims_import.due_before_issue"),
    "greater_than": bilingual("claims_import.greater_than"),
    "import_too_large": bilingual("claims_import.import_too_large"),
    "encoding_invalid": bilingual("claims_import.encoding_invalid"),
}


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
