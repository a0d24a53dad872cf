"""What the payment pages share: the payments client, the card and bank forms read and checked,
the first period's price, and the subscription's payment facts ("Méthode de paiement", "Solde").

The portal never receives a card number: the processor's hosted page (an iframe) takes it and
hands the page a single-use token, which the card forms post with the holder's name. A form
carrying any other field (a `number`, a `cvv`...) is refused with a 422 naming it.
"""

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.datastructures import FormData, UploadFile

from servicekit import pad_return_reasons
from servicekit.cards import contains_card_number
from servicekit.i18n import bilingual, gettext
from servicekit.money import back_out_taxes, prorate
from web.account import Account
from web.api_error import ApiError
from web.forms import error_context
from web.i18n import pick, translator
from web.payments_client import PaymentsClient
from web.subscriptions_client import SubscriptionsClient

log = logging.getLogger(__name__)

MAX_SPECIMEN_BYTES = 5 * 1024 * 1024
MAX_INPUT = 200
# The service's field names, as the forms name them.
FORM_FIELDS = {"card_token": "card", "agreement_version": "agreement_accepted"}
# Refusals without a field that belong next to one: the card frame's.
FIELD_OF_CODE = {
    "card_declined": "card",
    "card_expired": "card",
    "card_token_invalid": "card",
    "card_token_unknown": "card",
}


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


class CardForm(BaseModel):
    """What a card form may post: the holder and the hosted page's single-use token."""

    model_config = ConfigDict(extra="forbid")

    csrf_token: str = ""
    holder_name: str = ""
    card_token: str = ""


class StepFiveCardForm(CardForm):
    """Step 5's card form: the consent box too."""

    card_consent: str = ""


Form = TypeVar("Form", bound=CardForm)


def refuse_card_numbers(form: FormData) -> None:
    """A card number typed in any field of a payment form is a 422 naming the field: it goes
    no further (neither to payments nor to a log), and the page does not show it again."""
    for name, value in form.multi_items():
        if isinstance(value, str) and contains_card_number(value):
            field_name = name[:MAX_INPUT]
            message = bilingual("error.card_number_refused", field=field_name)
            raise ApiError("card_number_refused", field_name, message, 422)


def strict_card_form(form: FormData, schema: type[Form]) -> Form:
    """The form as `schema` allows it; any other field (a card number...) is a 422 naming it."""
    refuse_card_numbers(form)
    try:
        return schema.model_validate(dict(form.multi_items()))
    except ValidationError as exc:
        loc = exc.errors()[0].get("loc") or ("body",)
        name = str(loc[0])[:MAX_INPUT]
        message = bilingual("error.card_field_refused", field=name)
        raise ApiError("card_field_refused", name, message, 422) from exc


def card_form(form: FormData, language: str, schema: type[CardForm] = CardForm) -> Checked:
    """The card form: the holder, and the token the hosted page handed over (none: the card was
    not entered). Only the holder is shown again; the card is entered again after a refusal."""
    t = translator(language)
    posted = strict_card_form(form, schema)
    holder, token = posted.holder_name.strip()[:MAX_INPUT], posted.card_token.strip()
    values: dict[str, Any] = {"holder_name": holder}
    errors: dict[str, str] = {}
    if not holder:
        errors["holder_name"] = t("pay.error.required")
    if not token:
        errors["card"] = t("pay.error.card_required")
    if errors:
        return Checked(None, values, errors)
    return Checked({"holder_name": holder, "card_token": token[:MAX_INPUT]}, values, errors)


BANK_FIELDS = ("holder_name", "institution", "transit", "account")
BANK_FORM_FIELDS = {
    "csrf_token",
    *BANK_FIELDS,
    "payer_type",
    "agreement_accepted",
    "agreement_version",
    "specimen",
}


def strict_bank_form(form: FormData) -> None:
    """Checked before anything else: a card number in any field, or a field the bank form does
    not have (`card_number`, `cvv`...), is a 422 naming it."""
    refuse_card_numbers(form)
    for name in form:
        if name not in BANK_FORM_FIELDS:
            field_name = name[:MAX_INPUT]
            message = bilingual("error.card_field_refused", field=field_name)
            raise ApiError("card_field_refused", field_name, message, 422)


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
