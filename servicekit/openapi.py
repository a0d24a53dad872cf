"""Each service's public OpenAPI document: how every operation fails, internal routes left out.

Every error is one model, RFC 9457 problem details (`application/problem+json`) carrying the
platform's `error` code and its French and English `message` (servicekit/errors.py renders it).
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

INTERNAL_PREFIX = "/internal/"
# The statuses any operation may answer with the shared model: bad input (400, 422), no or a bad
# token (401), not allowed (403), not found or not the caller's (404), a conflicting state (409),
# throttled (429), a dependency down (503). Which codes each gives is in docs/*-api.md.
ERROR_STATUSES = {
    "400": "Requête invalide / Bad request",
    "401": "Authentification requise / Authentication required",
    "403": "Accès refusé / Access denied",
    "404": "Introuvable / Not found",
    "409": "Conflit avec l'état actuel / Conflicts with the current state",
    "422": "Données invalides / Invalid data",
    "429": "Trop de tentatives / Too many attempts",
    "503": "Service indisponible / Service unavailable",
}
MESSAGE = {
    "type": "object",
    "required": ["fr", "en"],
    "properties": {"fr": {"type": "string"}, "en": {"type": "string"}},
}
PROBLEM = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details with the platform's stable `error` code.",
    "required": ["type", "title", "status", "error", "message"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": ["string", "null"]},
        "error": {"type": "string", "description": "Stable code, e.g. `validation_failed`."},
        "message": MESSAGE,
        "field": {"type": ["string", "null"]},
        "details": {"type": "object"},
        "errors": {
            "type": "array",
            "description": "One entry per refused field (422 `validation_failed`).",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": MESSAGE,
                },
            },
        },
    },
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _error_responses() -> dict[str, Any]:
    content = {"application/problem+json": {"schema": PROBLEM_REF}}
    return {
        status: {"description": text, "content": content} for status, text in ERROR_STATUSES.items()
    }


def public_openapi(app: FastAPI) -> dict[str, Any]:
    """The document without `/internal/...`, every operation with the shared error model."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    paths = {
        p: ops for p, ops in schema.get("paths", {}).items() if not p.startswith(INTERNAL_PREFIX)
    }
    for operations in paths.values():
        for operation in operations.values():
            operation.setdefault("responses", {}).update(_error_responses())
    schema["paths"] = paths
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = PROBLEM
    app.openapi_schema = schema
    return schema


def install_public_openapi(app: FastAPI) -> None:
    """Serve `public_openapi` at the app's OpenAPI URL."""
    app.openapi = lambda: public_openapi(app)  # type: ignore[method-assign]
