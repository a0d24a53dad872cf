"""The signed-in shell: dashboard, FAQ (open to everyone) and the features still to come.

AJOUTER UN ABONNEMENT, MON ABONNEMENT and the operator console live in `subscriptions.py` and
`operator.py`; PAYER UN AVIS DE RÉCLAMATION in `claims.py`.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.dependencies import AccountDep, SessionDep
from web.templating import render

router = APIRouter()

# Menu entries whose feature is not offered yet (path: the menu label's key).
COMING_SOON: dict[str, str] = {}


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
async def faq(request: Request, session: SessionDep) -> Response:
    """The guide's questions, open to everyone: the validation email that does not arrive is
    asked about before anyone can sign in."""
    layout = "app.html" if session.signed_in else "public.html"
    return render(request, "portal/faq.html", {"layout": layout})


def _coming_soon_page(feature: str) -> Any:
    async def page(request: Request, account: AccountDep) -> Response:
        return render(request, "portal/soon.html", {"feature": feature})

    page.__doc__ = "A menu entry whose feature is coming soon."
    return page


for _path, _feature in COMING_SOON.items():
    router.add_api_route(_path, _coming_soon_page(_feature), methods=["GET"])
