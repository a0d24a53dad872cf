"""The vehicle form, as the request's step 2 and "Mes véhicules" read it and show its refusals."""

from typing import Any

from web.api_error import ApiError
from web.forms import error_context
from web.i18n import pick
from web.presenters import as_int


def vehicle_form_values(form: Any) -> dict[str, str]:
    """The vehicle form's fields, trimmed."""
    return {k: str(form.get(k) or "").strip() for k in ("year", "make", "model", "color", "plate")}


VEHICLE_FIELD_OF_CODE = {
    "plate_invalid": "plate",
    "plate_duplicate": "plate",
    "year_invalid": "year",
}


def vehicle_error_context(exc: ApiError, language: str) -> dict[str, Any]:
    """A refused vehicle: the message next to its field (plate, year...), else over the form."""
    context = error_context(exc, language)
    field = VEHICLE_FIELD_OF_CODE.get(exc.code)
    if field and not context["errors"]:
        context = {"errors": {field: pick(exc.message, language)}, "form_error": None}
    return context


def vehicle_body(values: dict[str, str]) -> dict[str, Any]:
    """The API body of the vehicle form (the year as a number when it is one)."""
    body: dict[str, Any] = dict(values)
    year = as_int(values["year"])
    body["year"] = year if year is not None else values["year"]
    return body
