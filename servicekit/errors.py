"""Domain errors with stable codes, and the handlers that render them as RFC 9457 problem
details (`application/problem+json`) that keep the platform's `error` code and its French and
English `message`."""

from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.i18n import bilingual, gettext, has_message
from servicekit.messages import Message, lookup


class DomainError(Exception):
    """Base of every error a service reports to its caller: a code, a status, a message."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    # The message in the gettext catalogs: `error.<rule_code or code>` unless a class names one.
    message_id: ClassVar[str] = ""
    rule_code: ClassVar[str] = ""

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

    @classmethod
    def message(cls) -> Message:
        """This error's message in French and English, from the catalogs: its own
        (`message_id`, else `error.<rule_code or code>`), else the nearest parent's."""
        for owner in cls.__mro__:
            own = owner.__dict__
            code = own.get("rule_code") or own.get("code")
            msgid = own.get("message_id") or (f"error.{code}" if code else "")
            if msgid and has_message(msgid):
                return bilingual(msgid)
        return bilingual("error.bad_request")

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the caller."""
        body: dict[str, Any] = {"error": self.code, "message": self.message()}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


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
    refused = {"fr": gettext("error.http_error", "fr"), "en": str(exc.detail)}  # Starlette's words
    body = {"error": code, "message": refused}
    return problem(body, exc.status_code, getattr(exc, "headers", None))


async def _unexpected_error(_: Request, __: Exception) -> JSONResponse:
    body = {
        "error": "internal_error",
        "message": bilingual("error.internal_error"),
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
