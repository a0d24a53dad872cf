"""Logs (issue 13): every process logs JSON with one line per request, request ids that
follow the request into the services and the workflow's activities, and no personal data of
the person whose journey just ran, in any process's output."""

import json
from typing import Any

from tests.observability.journey import Journey, Person

PROCESSES = {"mail", "identity", "subscriptions", "payments", "hosted_card", "worker", "web"}


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line as JSON; a line that is not JSON fails the test with the line."""
    records = []
    for line in text.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise AssertionError(f"not a JSON log line: {line[:300]!r}") from exc
    return records


def personal_values(person: Person) -> dict[str, str]:
    grouped = person.card_number[:4] + " " + person.card_number[4:8]
    return {
        "email": person.email,
        "email's local part": person.email.split("@")[0],
        "first name": person.first_name,
        "last name": person.last_name,
        "phone": person.phone,
        "phone digits": "".join(c for c in person.phone if c.isdigit()),
        "plate": person.plate,
        "card number": person.card_number,
        "grouped card digits": grouped,
        "employee number": person.employee_number,
    }


def test_no_process_logs_the_persons_data(
    stack_logs: dict[str, str], person: Person, journey: Journey
) -> None:
    assert set(stack_logs) == PROCESSES
    assert all(stack_logs.values()), {name: len(text) for name, text in stack_logs.items()}
    for name, text in stack_logs.items():
        folded = text.casefold()
        for what, value in personal_values(person).items():
            assert value.casefold() not in folded, f"{name} logged the {what}"


def test_every_process_logs_json_lines(stack_logs: dict[str, str]) -> None:
    for name, text in stack_logs.items():
        records = json_lines(text)
        assert records, name
        assert all({"event", "level", "timestamp"} <= set(r) for r in records), name


def access_lines(stack_logs: dict[str, str], process: str) -> list[dict[str, Any]]:
    return [r for r in json_lines(stack_logs[process]) if r.get("logger") == "access"]


def test_one_access_line_per_request_with_route_template_status_and_duration(
    stack_logs: dict[str, str], journey: Journey
) -> None:
    for process in ("web", "identity", "subscriptions", "payments", "mail"):
        lines = access_lines(stack_logs, process)
        assert lines, process
        for line in lines:
            assert {"method", "route", "status", "duration_ms", "request_id"} <= set(line), line
    approvals = [
        line for line in access_lines(stack_logs, "web")
        if line["route"] == "/console-operateur/demandes/{subscription_id}/decision"
    ]  # fmt: skip
    assert len(approvals) == 1 and approvals[0]["method"] == "POST", approvals
    assert approvals[0]["trace_id"] == journey.traces["approval"]
    subscriptions = access_lines(stack_logs, "subscriptions")
    vehicle_adds = [line for line in subscriptions if line["route"] == "/v1/vehicles"]
    assert [line["status"] for line in vehicle_adds] == [201]


def test_the_signups_request_id_reaches_identity_and_the_email_activity(
    stack_logs: dict[str, str], journey: Journey
) -> None:
    trace = journey.traces["signup"]
    (page,) = [
        line for line in access_lines(stack_logs, "web")
        if line.get("trace_id") == trace and line["method"] == "POST"
    ]  # fmt: skip
    request_id = page["request_id"]
    identity = [line for line in access_lines(stack_logs, "identity")
                if line["request_id"] == request_id]  # fmt: skip
    routes = {line["route"] for line in identity}
    assert "/v1/accounts" in routes, routes  # the web's call
    assert any(r.startswith("/internal/") for r in routes), routes  # the activity's call back
    assert {line["trace_id"] for line in identity} == {trace}


def test_worker_lines_carry_workflow_run_and_activity(stack_logs: dict[str, str]) -> None:
    records = json_lines(stack_logs["worker"])
    activity_lines = [r for r in records if "activity_type" in r]
    assert activity_lines, "no worker line names its activity"
    for line in activity_lines:
        assert line["workflow_id"] and line["run_id"], line
