"""Personal information: the profile form, prefilled from identity."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.api_error import ApiError
from web.csrf import require_csrf
from web.dependencies import AccountDep
from web.forms import error_context, is_form_error, see_other
from web.i18n import LANGUAGE_NAMES, province_names, translator
from web.presenters import display_phone
from web.session import LANGUAGES
from web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)])

PROFILE_FIELDS = (
    "gender",
    "first_name",
    "last_name",
    "address_line1",
    "apartment",
    "address_line2",
    "city",
    "province",
    "postal_code",
    "mobile_phone",
    "home_phone",
    "home_phone_ext",
    "work_phone",
    "work_phone_ext",
    "language",
)
GENDERS = ("female", "male", "other", "undisclosed")
PHONE_FIELDS = ("mobile_phone", "home_phone", "work_phone")


def profile_values(profile: dict[str, Any] | None, language: str) -> dict[str, str]:
    """The form's values from a stored profile (phones shown in the local notation)."""
    values = {name: str((profile or {}).get(name) or "") for name in PROFILE_FIELDS}
    for name in PHONE_FIELDS:
        values[name] = display_phone(values[name])
    values["province"] = values["province"] or "QC"
    values["language"] = values["language"] or language
    return values


def form_options(language: str) -> dict[str, Any]:
    """The choices of the selects, labelled in the page's language."""
    t = translator(language)
    return {
        "genders": [(g, t(f"profile.gender.{g}")) for g in GENDERS],
        "province_options": [(code, f"{code} – {name}") for code, name in province_names(language)],
        "language_options": list(LANGUAGE_NAMES.items()),
    }


@router.get("/informations-personnelles")
async def profile_page(request: Request, account: AccountDep) -> Response:
    """The personal information form, filled with what identity holds."""
    me = await account.call(account.identity.me)
    language = account.session.language
    context = {"values": profile_values(me.get("profile"), language), **form_options(language)}
    return render(request, "portal/profile.html", context)


@router.post("/informations-personnelles")
async def update_profile(request: Request, account: AccountDep) -> Response:
    """Store the personal information; the account's language follows the chosen one."""
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in PROFILE_FIELDS}
    payload = {name: value for name, value in values.items() if value}
    session = account.session
    try:
        stored = await account.call(account.identity.update_profile, payload)
    except ApiError as exc:
        if not is_form_error(exc):
            raise
        context = {"values": values, **form_options(session.language)}
        context.update(error_context(exc, session.language))
        return render(request, "portal/profile.html", context, status_code=exc.status)
    if stored.get("language") in LANGUAGES:
        session.language = stored["language"]
    session.notice = "notice.profile_updated"
    return see_other("/tableau-de-bord")
