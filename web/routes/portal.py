"""The signed-in shell: dashboard, FAQ, the operator entry and the features still to come."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.dependencies import AccountDep
from web.i18n import translator
from web.templating import render

router = APIRouter()

# Menu entries whose feature arrives with the subscriptions and payments services.
COMING_SOON = {
    "/ajouter-un-abonnement": "menu.add_subscription",
    "/mon-abonnement": "menu.my_subscription",
    "/payer-un-avis-de-reclamation": "menu.pay_claim",
}


def display_name(me: dict[str, Any]) -> str:
    """The first name when the profile has one."""
    profile = me.get("profile") or {}
    return str(profile.get("first_name") or "")


@router.get("/tableau-de-bord")
async def dashboard(request: Request, account: AccountDep) -> Response:
    """The signed-in home page."""
    me = await account.call(account.identity.me)
    account.session.role = str(me.get("role", "user"))
    context = {"me": me, "display_name": display_name(me)}
    return render(request, "portal/dashboard.html", context)


@router.get("/faq")
async def faq(request: Request, account: AccountDep) -> Response:
    """What to have ready, vehicles, approval."""
    return render(request, "portal/faq.html")


@router.get("/console-operateur")
async def operator_console(request: Request, account: AccountDep) -> Response:
    """A placeholder for operators until the subscriptions module brings the console."""
    me = await account.call(account.identity.me)
    account.session.role = str(me.get("role", "user"))
    if me.get("role") != "operator":
        t = translator(account.session.language)
        return render(request, "error.html", {"message": t("error.forbidden")}, status_code=403)
    return render(request, "portal/operator.html")


def _coming_soon_page(feature: str) -> Any:
    async def page(request: Request, account: AccountDep) -> Response:
        return render(request, "portal/soon.html", {"feature": feature})

    page.__doc__ = "A menu entry whose feature is coming soon."
    return page


for _path, _feature in COMING_SOON.items():
    router.add_api_route(_path, _coming_soon_page(_feature), methods=["GET"])
