""" "PAYER UN AVIS DE RÉCLAMATION": find a notice by its number and plate, pay it by card, get the
receipt; and "Mes avis de réclamation" for a signed-in account.

Finding and paying need no login (the notice comes by mail to the vehicle's owner); the pages
still have a session, hence a CSRF token. The card is entered in the payment processor's hosted
page (an iframe); this form posts the holder and the page's single-use token, never a number.

When the payer's bank asks for 3-D Secure, payments answers `requires_action`: the browser is
sent to the bank's challenge (a page that goes there at once, with a link: the portal's CSP
lets a form lead only to itself), and comes back to the return page (`/retour?paiement=...`,
an opaque id; the number and plate wait in the encrypted session cookie), which asks payments
to settle and shows the receipt, or the notice again with nothing charged.
"""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from servicekit.i18n import bilingual
from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep, ClientIp, PaymentsDep, SessionDep
from web.forms import error_context, is_form_error
from web.i18n import pick, translator
from web.payment_forms import CardForm, strict_card_form
from web.payments_client import PaymentsClient
from web.presenters import site_label
from web.session import Session
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

CLAIMS = "/payer-un-avis-de-reclamation"
MINE = f"{CLAIMS}/mes-avis"
CARD_FIELDS = ("holder_name", "card_token")
# What a refused form shows again (the card is entered again in the hosted page).
KEPT_FIELDS = ("holder_name", "email")
# The service's field names (`card.card_token`...) as the form names them.
CARD_ERROR_FIELDS = {"card.holder_name": "holder_name", "card.card_token": "card"}
CARD_ERROR_CODES = {
    "card_declined": "card",
    "card_expired": "card",
    "card_token_invalid": "card",
    "card_token_unknown": "card",
}
# Longer than any valid value; what a form sends beyond it is cut, not echoed back.
MAX_INPUT = 100
RECEIPT_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
PAYMENT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
RETURN = f"{CLAIMS}/retour"
RECEIPT_NOT_FOUND = bilingual("service.receipt_not_found")


def _page(
    request: Request,
    session: Session,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """A claim page, in the signed-in shell or the public one."""
    layout = "app.html" if session.signed_in else "public.html"
    return render(request, template, {"layout": layout, **(context or {})}, status_code=status)


def _lookup_form(
    request: Request,
    session: Session,
    values: dict[str, str],
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return _page(
        request, session, "claims/lookup.html", {"values": values, **(extra or {})}, status
    )


def _notice_page(
    request: Request,
    session: Session,
    notice: dict[str, Any],
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    # `claim`, not `notice`: the layout shows a `notice` variable as a flash message.
    context = {"claim": notice, "values": {}, **(extra or {})}
    return _page(request, session, "claims/notice.html", context, status)


def _required(values: dict[str, str], names: tuple[str, ...], language: str) -> dict[str, str]:
    message = translator(language)("claims.required")
    return {name: message for name in names if not values.get(name)}


@router.get(CLAIMS)
async def claim_page(request: Request, session: SessionDep) -> Response:
    """The form: "Numéro de l'avis" and "Numéro d'immatriculation"."""
    return _lookup_form(request, session, {})


async def _find(
    request: Request, session: Session, payments: PaymentsClient, ip: str, values: dict[str, str]
) -> dict[str, Any] | Response:
    """The notice, or the lookup form again with the reason it was not found."""
    language = session.language
    errors = _required(values, ("number", "plate"), language)
    if errors:
        return _lookup_form(request, session, values, {"errors": errors}, 422)
    try:
        found = await payments.lookup_claim(ip, values["number"], values["plate"])
    except ApiError as exc:
        if exc.status == 404:
            message = translator(language)("claims.not_found")
            return _lookup_form(request, session, values, {"form_error": message}, 404)
        if not is_form_error(exc):
            raise
        context = error_context(exc, language)
        return _lookup_form(request, session, values, context, exc.status)
    return {**found, "site_label": await _site_label(request, ip, found.get("site_id"))}


async def _site_label(request: Request, ip: str, site_id: object) -> str:
    """The notice's site as step 1 names it; empty when subscriptions cannot say (the page
    still shows the site's number)."""
    subscriptions: SubscriptionsClient = request.app.state.subscriptions
    try:
        site = (await subscriptions.site_names(ip)).get(int(str(site_id)))
    except (ApiError, ValueError):
        return ""
    return site_label(site) if site else ""


@router.post(CLAIMS)
async def lookup(
    request: Request,
    session: SessionDep,
    payments: PaymentsDep,
    ip: ClientIp,
    number: Annotated[str, Form()] = "",
    plate: Annotated[str, Form()] = "",
) -> Response:
    """The notice found (number and plate must both match), with the card form if unpaid."""
    values = {"number": number.strip()[:MAX_INPUT], "plate": plate.strip()[:MAX_INPUT]}
    found = await _find(request, session, payments, ip, values)
    if isinstance(found, Response):
        return found
    return _notice_page(request, session, found)


class ClaimCardForm(CardForm):
    """The notice's card form: the notice, the optional email, the holder and the card token."""

    number: str = ""
    plate: str = ""
    email: str = ""


def _card_body(values: dict[str, str]) -> dict[str, Any]:
    return {"holder_name": values["holder_name"], "card_token": values["card_token"]}


def _card_errors(values: dict[str, str], language: str) -> dict[str, str]:
    errors = _required(values, ("holder_name",), language)
    if not values["card_token"]:
        errors["card"] = translator(language)("pay.error.card_required")
    return errors


def _refused_card(exc: ApiError, language: str) -> dict[str, Any]:
    """A refused payment's messages, next to the card fields; nothing was charged."""
    context = error_context(exc, language, CARD_ERROR_FIELDS)
    field = CARD_ERROR_CODES.get(exc.code)
    if field and not context["errors"]:
        context = {"errors": {field: pick(exc.message, language)}, "form_error": None}
    if exc.code == "card_declined":
        context["form_error"] = translator(language)("claims.nothing_charged")
    return context


async def _pay_refused(
    request: Request,
    session: Session,
    payments: PaymentsClient,
    ip: str,
    exc: ApiError,
    values: dict[str, str],
) -> Response:
    """The notice again, with why it was not paid (already paid, declined, invalid card)."""
    found = await _find(request, session, payments, ip, values)
    if isinstance(found, Response):
        return found
    language = session.language
    if exc.code in ("claim_already_paid", "claim_payment_in_progress"):
        key = "claims.already_paid" if exc.code == "claim_already_paid" else "claims.in_progress"
        message = translator(language)(key)
        return _notice_page(request, session, found, {"form_error": message}, 409)
    if not is_form_error(exc):
        raise exc
    kept = {k: values[k] for k in KEPT_FIELDS}
    context = {"values": kept, **_refused_card(exc, language)}
    return _notice_page(request, session, found, context, exc.status)


@router.post(f"{CLAIMS}/paiement")
async def pay(
    request: Request, session: SessionDep, payments: PaymentsDep, ip: ClientIp
) -> Response:
    """ "Payer": the card is charged once; the receipt number and its PDF follow."""
    posted = strict_card_form(await request.form(), ClaimCardForm).model_dump()
    names = ("number", "plate", *CARD_FIELDS, "email")
    values = {name: str(posted[name]).strip()[:MAX_INPUT] for name in names}
    errors = _card_errors(values, session.language)
    if errors:
        found = await _find(request, session, payments, ip, values)
        if isinstance(found, Response):
            return found
        kept = {k: values[k] for k in KEPT_FIELDS}
        return _notice_page(request, session, found, {"errors": errors, "values": kept}, 422)
    try:
        paid = await payments.pay_claim(
            ip,
            values["number"],
            values["plate"],
            _card_body(values),
            values["email"] or None,
            session.language,
        )
    except ApiError as exc:
        return await _pay_refused(request, session, payments, ip, exc, values)
    emailed = bool(values["email"])
    if paid.get("status") == "requires_action":
        session.claim_payment = {
            "id": str(paid.get("payment_id")),
            "number": values["number"],
            "plate": values["plate"],
            "emailed": emailed,
        }
        return _challenge(request, session, paid)
    return _receipt(request, session, paid, values["number"], values["plate"], emailed)


def _receipt(
    request: Request, session: Session, paid: dict[str, Any], number: str, plate: str, emailed: bool
) -> Response:
    """The receipt page; without the plate (another browser came back) no PDF button."""
    context = {"paid": paid, "number": number, "plate": plate, "emailed": emailed}
    return _page(request, session, "claims/receipt.html", context)


def _action_url(answer: dict[str, Any]) -> str | None:
    url = answer.get("action_url")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _challenge(request: Request, session: Session, answer: dict[str, Any]) -> Response:
    """ "Authentification 3-D Secure": the browser goes to the bank's page at once; the link
    is there for a browser that does not follow the refresh (and for the keyboard)."""
    payment_id = str(answer.get("payment_id") or "")
    again = f"{RETURN}?paiement={payment_id}" if PAYMENT_ID.match(payment_id) else None
    context = {"action_url": _action_url(answer), "again": again}
    return _page(request, session, "claims/challenge.html", context)


@router.get(RETURN)
async def payment_return(
    request: Request, session: SessionDep, payments: PaymentsDep, ip: ClientIp, paiement: str = ""
) -> Response:
    """Back from the bank's 3-D Secure page: payments settles the attempt (reading the charge
    at the processor); the receipt, or the notice again with why nothing was charged."""
    language = session.language
    if not PAYMENT_ID.match(paiement):
        message = translator(language)("claims.challenge_lost")
        return _lookup_form(request, session, {}, {"form_error": message}, 404)
    pending = session.claim_payment if session.claim_payment else {}
    mine = pending.get("id") == paiement
    number = str(pending.get("number") or "") if mine else ""
    plate = str(pending.get("plate") or "") if mine else ""
    try:
        answer = await payments.settle_claim(ip, paiement)
    except ApiError as exc:
        if mine:
            session.claim_payment = None
        return await _return_refused(request, session, payments, ip, exc, number, plate)
    if answer.get("status") == "requires_action":
        return _challenge(request, session, answer)
    if mine:
        session.claim_payment = None
    number = number or str(answer.get("notice_number") or "")
    return _receipt(request, session, answer, number, plate, bool(pending.get("emailed")))


async def _return_refused(
    request: Request,
    session: Session,
    payments: PaymentsClient,
    ip: str,
    exc: ApiError,
    number: str,
    plate: str,
) -> Response:
    """The attempt was declined or is over: the notice again when this browser knows it."""
    t = translator(session.language)
    messages = {
        "card_declined": "claims.nothing_charged",
        "claim_already_paid": "claims.already_paid",
    }
    if exc.code not in messages and exc.code != "claim_payment_not_found":
        raise exc
    message = t(messages.get(exc.code, "claims.challenge_lost"))
    if not (number and plate):
        return _lookup_form(request, session, {}, {"form_error": message}, exc.status)
    found = await _find(request, session, payments, ip, {"number": number, "plate": plate})
    if isinstance(found, Response):
        return found
    return _notice_page(request, session, found, {"form_error": message}, exc.status)


@router.post(f"{CLAIMS}/recus/{{receipt_id}}")
async def receipt_pdf(
    session: SessionDep,
    payments: PaymentsDep,
    ip: ClientIp,
    receipt_id: str,
    plate: Annotated[str, Form()] = "",
) -> Response:
    """The receipt PDF, fetched with the plate (sent in the form, never in the address)."""
    if not RECEIPT_ID.match(receipt_id):
        raise ApiError("receipt_not_found", None, RECEIPT_NOT_FOUND, 404)
    pdf = await payments.claim_receipt_pdf(ip, receipt_id, plate.strip()[:MAX_INPUT])
    headers = {"Content-Disposition": 'attachment; filename="recu-avis-de-reclamation.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get(MINE)
async def my_notices(request: Request, account: AccountDep, payments: PaymentsDep) -> Response:
    """ "Mes avis de réclamation": notices on the account's registered plates, with "Payer"."""
    notices = await account.call(payments.my_claims)
    return _page(request, account.session, "claims/mine.html", {"notices": notices})
