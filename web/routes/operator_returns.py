"""The operator console's returned debits: the bank's CPA-005 returns file uploaded, applied
whole or refused whole (the service names the line), the same file twice changing nothing."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from servicekit import pad_return_reasons
from servicekit.i18n import gettext
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, PaymentsDep
from web.i18n import pick, translator
from web.operator_console import CONSOLE, forbidden, operator_me
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

RETURNS = f"{CONSOLE}/retours-de-prelevements"
MAX_FILE_BYTES = 5 * 1024 * 1024


def _page(request: Request, extra: dict[str, Any] | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {"result": None, "errors": {}, "form_error": None}
    context.update(extra or {})
    return render(request, "operator/pad_returns.html", context, status_code=status)


@router.get(RETURNS)
async def returns_page(request: Request, account: AccountDep) -> Response:
    """Upload the bank's returns file."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    return _page(request)


def _refusal(exc: ApiError, language: str) -> str:
    """The service's message, after the line it names."""
    message = pick(exc.message, language)
    line = exc.details.get("line")
    return translator(language)("opreturns.line", line=line) + message if line else message


def _with_reasons(result: dict[str, Any], language: str) -> dict[str, Any]:
    for item in result.get("items") or []:
        code = str(item.get("reason_code") or "")
        item["reason_label"] = gettext(pad_return_reasons.message_id(code), language)
    return result


@router.post(RETURNS)
async def import_returns(request: Request, account: AccountDep, payments: PaymentsDep) -> Response:
    """Import the file: the returned debits applied, or the refusal naming the line."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    language = account.session.language
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = {"file": translator(language)("opreturns.file_required")}
        return _page(request, {"errors": errors}, 422)
    content = await upload.read(MAX_FILE_BYTES + 1)
    try:
        result = await account.call(payments.import_pad_returns, upload.filename, content)
    except ApiError as exc:
        if not 400 <= exc.status < 500 or exc.status == 401:
            raise
        return _page(request, {"form_error": _refusal(exc, language)}, exc.status)
    return _page(request, {"result": _with_reasons(result, language)})
