"""What the payment pages share: the payments client, the card and bank forms read and checked,
the first period's price, and the subscription's payment facts ("Méthode de paiement", "Solde").

The card number and CVV only pass through: they go to the payments service and are never put in
the session, a log or a re-rendered form.
"""

import calendar
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData, UploadFile

from servicekit import pad_return_reasons
from servicekit.cards import digits_of, is_card_number
from servicekit.i18n import gettext
from servicekit.money import back_out_taxes, prorate
from web.account import Account
from web.api_error import ApiError
from web.forms import error_context
from web.i18n import pick, translator
from web.payments_client import PaymentsClient
from web.subscriptions_client import SubscriptionsClient

log = logging.getLogger(__name__)

MAX_SPECIMEN_BYTES = 5 * 1024 * 1024
CVV = re.compile(r"^\d{3,4}$")
# The service's field names, as the forms name them.
FORM_FIELDS = {
    "exp_month": "expiry",
    "exp_year": "expiry",
    "agreement_version": "agreement_accepted",
}
# Refusals without a field that belong next to one.
FIELD_OF_CODE = {"card_declined": "number", "card_expired": "expiry"}


# The first period ("Prix pour la période en cours")
def first_period(monthly_cents: int, start: date) -> dict[str, Any]:
    """The prorated first period, start to month end, with GST and QST backed out."""
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    taxes = back_out_taxes(prorate(monthly_cents, start))
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total_cents": taxes.total_cents,
        "pretax_cents": taxes.pretax_cents,
        "gst_cents": taxes.gst_cents,
        "qst_cents": taxes.qst_cents,
    }


# Forms
@dataclass
class Checked:
    """A form read: the body for the service when it is complete, what to show again, errors."""

    body: dict[str, Any] | None
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _expiry(form: FormData) -> tuple[int, int] | None:
    try:
        month, year = int(_text(form, "exp_month")), int(_text(form, "exp_year"))
    except ValueError:
        return None
    return (month, year) if 1 <= month <= 12 and 2000 <= year <= 2100 else None


def card_form(form: FormData, language: str, today: date) -> Checked:
    """The card form: holder, number (Luhn), expiry (not past), CVV; only the holder and the
    expiry are shown again."""
    t = translator(language)
    holder, number, cvv = _text(form, "holder_name"), _text(form, "number"), _text(form, "cvv")
    values = {"holder_name": holder, "exp_month": _text(form, "exp_month")}
    values["exp_year"] = _text(form, "exp_year")
    errors: dict[str, str] = {}
    if not holder:
        errors["holder_name"] = t("pay.error.required")
    if not number:
        errors["number"] = t("pay.error.required")
    elif not is_card_number(number):
        errors["number"] = t("pay.error.card_number")
    expiry = _expiry(form)
    if expiry is None:
        errors["expiry"] = t("pay.error.expiry")
    elif (expiry[1], expiry[0]) < (today.year, today.month):
        errors["expiry"] = t("pay.error.card_expired")
    if not CVV.match(cvv):
        errors["cvv"] = t("pay.error.cvv")
    if errors or expiry is None:
        return Checked(None, values, errors)
    body = {
        "holder_name": holder,
        "number": digits_of(number),
        "exp_month": expiry[0],
        "exp_year": expiry[1],
        "cvv": cvv,
    }
    return Checked(body, values, errors)


BANK_FIELDS = ("holder_name", "institution", "transit", "account")


async def bank_form(form: FormData, language: str) -> tuple[Checked, tuple[str, bytes, str] | None]:
    """The bank-account form and its specimen (read up to one byte past the 5 MB limit)."""
    t = translator(language)
    values: dict[str, Any] = {name: _text(form, name) for name in BANK_FIELDS}
    values["payer_type"] = "business" if _text(form, "payer_type") == "business" else "personal"
    values["agreement_accepted"] = bool(form.get("agreement_accepted"))
    errors = {name: t("pay.error.required") for name in BANK_FIELDS if not values[name]}
    specimen = await _specimen(form.get("specimen"))
    if specimen is None:
        errors["specimen"] = t("pay.error.specimen_required")
    elif len(specimen[1]) > MAX_SPECIMEN_BYTES:
        errors["specimen"] = t("pay.error.specimen_too_large")
    if not values["agreement_accepted"]:
        errors["agreement_accepted"] = t("pay.error.agreement")
    if errors:
        return Checked(None, values, errors), None
    body = {name: values[name] for name in BANK_FIELDS}
    body |= {
        "payer_type": values["payer_type"],
        "agreement_accepted": "true",
        "agreement_version": _text(form, "agreement_version"),
    }
    return Checked(body, values), specimen


async def _specimen(upload: object) -> tuple[str, bytes, str] | None:
    """The uploaded file, or None when none was chosen; the payments service checks its type."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(MAX_SPECIMEN_BYTES + 1)
    if not content:
        return None
    return upload.filename[-100:], content, upload.content_type or "application/octet-stream"


def refusal_context(exc: ApiError, language: str) -> dict[str, Any]:
    """A refusal of the payments service: its message next to the field it concerns."""
    context = error_context(exc, language, rename=FORM_FIELDS)
    name = FIELD_OF_CODE.get(exc.code)
    if name and not context["errors"]:
        context = {"errors": {name: pick(exc.message, language)}, "form_error": None}
    return context


# The subscription's payment facts
async def payment_facts(
    account: Account, payments: PaymentsClient, sub: dict[str, Any]
) -> dict[str, Any]:
    """The method paying the subscription and the account's balance (None when payments does
    not answer: the page still shows the subscription)."""
    facts: dict[str, Any] = {"method": None, "balance_cents": None, "bank_refusal": None}
    try:
        facts["balance_cents"] = await account.call(payments.balance)
        method_id = sub.get("payment_method_id")
        if method_id:
            methods = await account.call(payments.payment_methods)
            facts["method"] = next((m for m in methods if m.get("id") == method_id), None)
        if facts["method"] and facts["method"].get("kind") == "pad":
            facts["bank_refusal"] = await _bank_refusal(account, payments, str(method_id))
    except ApiError:
        pass
    return facts


async def _bank_refusal(
    account: Account, payments: PaymentsClient, method_id: str
) -> dict[str, Any] | None:
    """The banner's facts when a returned debit showed this bank account unusable."""
    refused = await account.call(payments.bank_details_refused)
    found = next((r for r in refused if r.get("payment_method_id") == method_id), None)
    if found is None:
        return None
    code = str(found.get("reason_code") or "")
    reason = gettext(pad_return_reasons.message_id(code), account.session.language)
    return {"last4": found.get("account_last4") or "", "reason": reason}


async def payment_method_replaced(
    account: Account, subs: SubscriptionsClient, subscription_id: str
) -> None:
    """Ask the subscription to retry what is owed now; if the service cannot, the method is
    replaced all the same and the workflow's own schedule retries with it."""
    try:
        await account.call(subs.payment_method_updated, subscription_id)
    except ApiError as exc:
        log.warning("payment-method-updated for %s refused: %s", subscription_id, exc)
