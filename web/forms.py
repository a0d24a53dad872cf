"""Small helpers the form routes share: redirects and API errors placed next to their fields."""

from typing import Any

from fastapi.responses import RedirectResponse

from web.api_error import ApiError
from web.i18n import pick
from web.templating import translate_errors


def see_other(url: str, headers: dict[str, str] | None = None) -> RedirectResponse:
    """Post/redirect/get: a 303 to the next page."""
    return RedirectResponse(url, status_code=303, headers=headers)


def error_context(
    exc: ApiError, language: str, rename: dict[str, str] | None = None
) -> dict[str, Any]:
    """Template context for a refused form: messages by field, or one message for the form."""
    errors = {(rename or {}).get(k, k): v for k, v in exc.field_errors().items()}
    if errors:
        return {"errors": translate_errors(errors, language), "form_error": None}
    return {"errors": {}, "form_error": pick(exc.message, language)}


def is_form_error(exc: ApiError) -> bool:
    """Errors a form shows to the user; anything else (5xx, 401) goes to the error handlers."""
    return 400 <= exc.status < 500 and exc.status != 401
