"""The error a service answers, as the portal reads it: a stable code, the field it names, a
bilingual message and the HTTP status (`ServiceClient` raises it; routes render it)."""

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import httpx

from servicekit.i18n import bilingual
from servicekit.messages import Message, message

REFUSED = bilingual("service.refused")


def read_message(raw: object) -> Message:
    """A bilingual message from JSON, or a generic refusal when it has neither language."""
    if isinstance(raw, dict) and (raw.get("fr") or raw.get("en")):
        fr, en = str(raw.get("fr") or raw.get("en")), str(raw.get("en") or raw.get("fr"))
        return message(fr, en)
    return REFUSED


@dataclass
class FieldError:
    """One field the service refused, with its bilingual message."""

    field: str
    code: str
    message: Message


@dataclass(eq=False)
class ApiError(Exception):
    """An error answered by a service: stable code, offending field, bilingual message, status."""

    code: str
    field: str | None
    message: Message
    status: int
    details: dict[str, Any] = dc_field(default_factory=dict)
    errors: list[FieldError] = dc_field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ApiError":
        """Read the platform's error JSON; anything else becomes a generic error."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        details = body.get("details")
        field_name = body.get("field")
        return cls(
            code=str(body.get("error") or "http_error"),
            field=str(field_name) if field_name else None,
            message=read_message(body.get("message")),
            status=response.status_code,
            details=details if isinstance(details, dict) else {},
            errors=[
                FieldError(str(e.get("field")), str(e.get("code")), read_message(e.get("message")))
                for e in body.get("errors") or []
                if isinstance(e, dict)
            ],
        )

    def field_errors(self) -> dict[str, Message]:
        """Messages by field: every validation entry, or the single field the error names."""
        found = {e.field: e.message for e in self.errors}
        if self.field and self.field not in found:
            found[self.field] = self.message
        return found
