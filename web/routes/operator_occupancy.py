"""Occupancy for operators (« Occupation »): per site and offering, capacity, active
subscriptions, approved ones starting later, pending requests with the oldest one's age, and
this month's billed amount; and the same as a CSV file.

The figures come from the subscriptions service, which counts them in its database and has the
payments service sum the month's invoices; this page only shows them.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.account import Account
from web.dependencies import AccountDep, SubscriptionsDep
from web.i18n import translator
from web.occupancy_csv import occupancy_csv
from web.operator_console import CONSOLE, forbidden, operator_me
from web.presenters import as_int
from web.subscriptions_client import SubscriptionsClient
from web.templating import render

router = APIRouter()

OCCUPANCY = f"{CONSOLE}/occupation"


def waiting_for(oldest: str | None, now: datetime, language: str) -> str:
    """How long the oldest request has waited: whole days, or hours within the first day."""
    if not oldest:
        return "—"
    hours = int((now - datetime.fromisoformat(oldest)).total_seconds() // 3600)
    t = translator(language)
    return (
        t("occupancy.age_days", n=hours // 24) if hours >= 24 else t("occupancy.age_hours", n=hours)
    )


async def _figures(
    account: Account, subs: SubscriptionsClient, site_id: int | None
) -> dict[str, Any]:
    found: dict[str, Any] = await account.call(subs.occupancy, site_id)
    return found


@router.get(OCCUPANCY)
async def occupancy_page(
    request: Request, account: AccountDep, subs: SubscriptionsDep, site_id: str = ""
) -> Response:
    """The occupancy table, all sites or one."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    site = as_int(site_id)
    figures = await _figures(account, subs, site)
    now, language = datetime.now(UTC), account.session.language
    for row in figures["rows"]:
        row["waiting_for"] = waiting_for(row.get("oldest_pending_at"), now, language)
    sites = await account.call(subs.sites)
    context = {"figures": figures, "sites": sites, "site_id": site}
    return render(request, "operator/occupancy.html", context)


@router.get(f"{OCCUPANCY}.csv")
async def occupancy_download(
    request: Request, account: AccountDep, subs: SubscriptionsDep, site_id: str = ""
) -> Response:
    """The same table as a CSV file (French and English headers, UTF-8 with a BOM)."""
    if await operator_me(account) is None:
        return forbidden(request, account)
    figures = await _figures(account, subs, as_int(site_id))
    name = f"occupation-occupancy-{figures['today']}.csv"
    return Response(
        occupancy_csv(figures["rows"], datetime.now(UTC)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
