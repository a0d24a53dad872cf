"""The subscription request being built ("Créer un nouvel abonnement"), kept in the encrypted
session (`Session.journey`): ids, the chosen date and the employee number only. Steps 1-4 are
in `web/routes/subscriptions.py`, step 5 (payment) in `web/routes/billing.py`."""

from typing import Any

from fastapi.responses import Response

from web.account import Account
from web.api_error import ApiError
from web.forms import see_other
from web.i18n import pick, translator
from web.subscriptions_client import SubscriptionsClient

ADD = "/ajouter-un-abonnement"


MINE = "/mon-abonnement"


PAYMENT_STEP = f"{ADD}/paiement"


def journey(account: Account) -> dict[str, Any]:
    """The request being built (a copy; `save_journey` stores it)."""
    held = account.session.journey
    return dict(held) if isinstance(held, dict) else {}


def save_journey(account: Account, values: dict[str, Any]) -> None:
    """Store the request being built in the session."""
    account.session.journey = values


async def find_site(account: Account, subs: SubscriptionsClient, site_id: Any) -> dict[str, Any]:
    """A site by id, or an empty dict."""
    for site in await account.call(subs.sites):
        if site.get("id") == site_id:
            return dict(site)
    return {}


async def find_offering(
    account: Account,
    subs: SubscriptionsClient,
    site_id: int,
    offering_id: Any,
    category_id: int | None = None,
) -> dict[str, Any]:
    """An offering of a site the caller may see, or an empty dict."""
    for offering in await account.call(subs.offerings, site_id, category_id):
        if offering.get("id") == offering_id:
            return dict(offering)
    return {}


async def draft_summary(account: Account, subs: SubscriptionsClient) -> dict[str, Any] | str:
    """What the summary shows, or the step to go back to when something is missing."""
    held = journey(account)
    if not held.get("offering_id"):
        return ADD
    if not held.get("vehicle_ids"):
        return f"{ADD}/vehicules"
    if not held.get("employee_number"):
        return f"{ADD}/informations"
    site = await find_site(account, subs, held["site_id"])
    offering = await find_offering(account, subs, held["site_id"], held["offering_id"])
    if not site or not offering:
        return ADD
    vehicles = [v for v in await account.call(subs.vehicles) if v["id"] in held["vehicle_ids"]]
    if not vehicles:
        return f"{ADD}/vehicules"
    return {
        "site": site,
        "offering": offering,
        "vehicles": vehicles,
        "start": held["start"],
        "employee_number": held["employee_number"],
    }


async def with_price_preview(
    account: Account, subs: SubscriptionsClient, summary: dict[str, Any]
) -> dict[str, Any]:
    """The summary with « Récapitulatif »'s price preview (the first charge and the monthly one
    after it), None when the service cannot say: the page then shows the monthly price alone,
    and a start gone by is refused at submission."""
    try:
        preview = await account.call(
            subs.price_preview, summary["offering"]["id"], summary["start"]
        )
    except ApiError:
        preview = None
    return summary | {"preview": preview}


STEP_OF_FIELD = {
    "requested_start": ADD,
    "accept_terms": ADD,
    "understand_approval": ADD,
    "offering_id": ADD,
    "vehicle_ids": f"{ADD}/vehicules",
    "employee_number": f"{ADD}/informations",
}


def request_body(
    held: dict[str, Any], summary: dict[str, Any], payment_method_id: str | None = None
) -> dict[str, Any]:
    """The subscriptions API body of the request being built."""
    body: dict[str, Any] = {
        "offering_id": held["offering_id"],
        "requested_start": held["start"],
        "accept_terms": bool(held.get("accept_terms")),
        "understand_approval": bool(held.get("understand_approval")),
        "vehicle_ids": [v["id"] for v in summary["vehicles"]],
        "employee_number": held["employee_number"],
    }
    if payment_method_id is not None:
        body["payment_method_id"] = payment_method_id
    return body


def refused_request_context(exc: ApiError, language: str) -> dict[str, Any]:
    """The service's refusal of the request, with the step where it can be corrected."""
    payment_required = exc.code == "payment_required"
    return {
        "form_error": translator(language)("journey.error.payment_required")
        if payment_required
        else pick(exc.message, language),
        "error_code": exc.code,
        "fix_url": STEP_OF_FIELD.get(exc.field or ""),
        "payment_required": payment_required,
    }


def request_sent(account: Account, created: dict[str, Any]) -> Response:
    """The request is in: the draft is forgotten, step 6 shows the subscription."""
    account.session.journey = None
    account.session.notice = "notice.request_sent"
    return see_other(f"{MINE}/{created['id']}")
