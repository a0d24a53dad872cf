"""Domain errors with stable codes, and the handlers that render them as RFC 9457 problem
details (`application/problem+json`) that keep the platform's `error` code and its French and
English `message`."""

from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.messages import Message, lookup, message


class DomainError(Exception):
    """Base of every error a service reports to its caller: a code, a status, a message."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    fr: ClassVar[str] = "Requête invalide."
    en: ClassVar[str] = "Bad request."

    # When True, the request's transaction is committed even though this error is the answer
    # (a failed login must still count towards throttling).
    keep_changes: bool = False

    def __init__(
        self, field: str | None = None, *, keep_changes: bool | None = None, **details: Any
    ) -> None:
        super().__init__(self.code)
        self.field = field
        self.details = details
        if keep_changes is not None:
            self.keep_changes = keep_changes

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the caller."""
        body: dict[str, Any] = {"error": self.code, "message": message(self.fr, self.en)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    fr = "Introuvable."
    en = "Not found."


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"
    fr = "Authentification requise."
    en = "Authentication required."


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    fr = "Accès refusé."
    en = "Access denied."


def _field_name(loc: tuple[Any, ...]) -> str:
    """`("body", "profile", "postal_code")` -> `profile.postal_code`."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Render pydantic errors as one bilingual entry per field."""
    fields = []
    for err in errors:
        field = _field_name(tuple(err.get("loc", ())))
        fields.append({"field": field, "code": err["type"], "message": lookup(err["type"])})
    first: Message = fields[0]["message"] if fields else lookup("value_error")
    return {
        "error": "validation_failed",
        "field": fields[0]["field"] if fields else None,
        "message": first,
        "errors": fields,
    }


PROBLEM_JSON = "application/problem+json"


def problem(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The platform's error body as problem details: RFC 9457's members (`type`, `title`,
    `status`, `detail`) added, the platform's own (`error`, `message`, `field`, `errors`,
    `details`) kept as extension members, so existing clients read it unchanged."""
    msg = body.get("message") or {}
    full = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": msg.get("fr") if isinstance(msg, dict) else str(msg),
        **body,
    }
    if full.get("field") is None:
        full.pop("field", None)
    return JSONResponse(full, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = getattr(exc, "headers", None)  # e.g. Retry-After of a 429
    return problem(exc.body(), exc.status_code, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem(validation_body(list(exc.errors())), 422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    body = {"error": code, "message": message("Requête refusée.", str(exc.detail))}
    return problem(body, exc.status_code, getattr(exc, "headers", None))


async def _unexpected_error(_: Request, __: Exception) -> JSONResponse:
    body = {
        "error": "internal_error",
        "message": message("Erreur interne; réessayez plus tard.", "Internal error; try later."),
    }
    return problem(body, 500)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem details with `{"error": code, "message": {"fr", "en"},
    "field"?}`."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


class FieldError(DomainError):
    """A rule on one field that a schema cannot express alone (rendered like a validation error)."""

    status_code = 422
    code = "validation_failed"

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(field)
        self.rule = rule

    def body(self) -> dict[str, Any]:
        """Same shape as pydantic validation errors."""
        return validation_body([{"loc": (self.field,), "type": self.rule}])
