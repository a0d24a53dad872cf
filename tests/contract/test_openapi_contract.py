"""Schemathesis over each service's public OpenAPI document: a bounded number of generated
requests per operation, with a real user's token; any 5xx or any status the document does not
list fails the test (the shared problem-details model documents how operations fail)."""

import warnings
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis.errors import NonInteractiveExampleWarning
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from temporalio.worker import Worker

from tests.subscriptions.factories import UserFactory
from tests.support.mail import SmtpServer

EXAMPLES_PER_OPERATION = 3
BASE = "http://service.test"
REQUEST_KEYS = {"method", "url", "params", "headers", "json", "data", "files", "content"}


@pytest.fixture
def users(
    identity: httpx.AsyncClient, smtp: SmtpServer, worker: Worker, database_urls: dict[str, str]
) -> UserFactory:
    return UserFactory(identity, smtp, database_urls["identity"])


def _part(value: Any) -> Any:
    return value if isinstance(value, (bytes, str)) else str(value)


def _files(files: Any) -> list[tuple[str, Any]]:
    """Schemathesis' multipart parts as httpx takes them (generated values may be numbers)."""
    items = files.items() if isinstance(files, dict) else files
    parts = []
    for name, spec in items:
        if isinstance(spec, tuple):
            parts.append((name, (spec[0], _part(spec[1]), *spec[2:])))
        else:
            parts.append((name, ("blob", _part(spec))))
    return parts


async def _failures(app: FastAPI, headers: dict[str, str]) -> list[str]:
    """What schemathesis found wrong in the service's answers (empty when all held)."""
    failures: list[str] = []
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        raw = (await http.get("/openapi.json")).json()
        assert not [p for p in raw["paths"] if p.startswith("/internal/")]
        schema = schemathesis.openapi.from_dict(raw)
        for result in schema.get_all_operations():
            operation = result.ok()
            strategy = operation.as_strategy()
            for _ in range(EXAMPLES_PER_OPERATION):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
                    case = strategy.example()
                kwargs: dict[str, Any] = case.as_transport_kwargs(base_url=BASE, headers=headers)
                request = {k: v for k, v in kwargs.items() if k in REQUEST_KEYS and v is not None}
                if "files" in request:
                    request["files"] = _files(request["files"])
                response = await http.request(**request)
                response.request.read()  # multipart bodies: the checks read the request
                try:
                    case.validate_response(
                        response, checks=[not_a_server_error, status_code_conformance]
                    )
                except Exception as exc:  # every failure is reported below
                    why = str(getattr(exc, "message", "") or type(exc).__name__)
                    failures.append(f"{operation.label}: {response.status_code} {why}"[:600])
    return failures


@pytest.mark.parametrize("service", ["subscriptions", "payments", "identity"])
async def test_no_5xx_and_no_undocumented_status(
    service: str, apps: dict[str, FastAPI], users: UserFactory
) -> None:
    user = await users()
    failures = await _failures(apps[service], user.headers)
    assert not failures, "\n".join(failures)
