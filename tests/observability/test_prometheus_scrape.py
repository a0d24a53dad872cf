"""Metrics (issue 13): Debian's Prometheus scrapes every process of a running platform with
the rules of deploy/observability, and after one journey its HTTP API has every metric family
the rules and the dashboard read, with the journey's own figures."""

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.observability.conftest import ObservedStack
from tests.observability.journey import Journey
from tests.support.mail import free_port

RULES = Path(__file__).resolve().parents[2] / "deploy" / "observability" / "alerts.yml"
DECISION_ROUTE = "/console-operateur/demandes/{subscription_id}/decision"
FAMILIES = [
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "parking_subscriptions",
    "parking_pending_requests",
    "parking_oldest_pending_request_age_seconds",
    "parking_oldest_pending_request_business_days",
    "parking_billable_subscriptions",
    "parking_charges_total",
    "parking_invoices_current_month",
    "parking_claim_notices_paid_total",
    "parking_emails_total",
    "temporal_workflow_task_schedule_to_start_latency_seconds_bucket",
    "temporal_activity_schedule_to_start_latency_seconds_bucket",
    "temporal_workflow_completed",
]


def scrape_config(stack: ObservedStack) -> dict[str, Any]:
    targets = {
        "web": stack.ports["web"],
        "identity": stack.ports["identity"],
        "subscriptions": stack.ports["subscriptions"],
        "payments": stack.ports["payments"],
        "worker": stack.ports["worker_metrics"],
        "mail": stack.ports["mail"],
    }
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
            for job, port in targets.items()
        ],
    }


@pytest.fixture(scope="module")
async def prometheus(
    observed_stack: ObservedStack, journey: Journey, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus not found: Debian's `prometheus` package (`make debian-deps`)")
    folder = tmp_path_factory.mktemp("prometheus")
    config = folder / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(observed_stack)))
    port = free_port()
    log = (folder / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={folder / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        await ready(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


async def ready(url: str) -> None:
    """Until `/-/ready` says so: while it loads, Prometheus answers its API with a plain-text 503
    (seen in CI as a JSON decode error)."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        for _ in range(300):
            try:
                if (await http.get(f"{url}/-/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("Prometheus never became ready")


async def query(http: httpx.AsyncClient, url: str, expr: str) -> list[dict[str, Any]]:
    answer = (await http.get(f"{url}/api/v1/query", params={"query": expr})).json()
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


async def eventually_found(url: str, expr: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        for _ in range(150):
            try:
                found = await query(http, url, expr)
            except httpx.TransportError:
                found = []
            if found:
                return found
            await asyncio.sleep(0.2)
    raise AssertionError(f"Prometheus has no series for {expr}")


async def test_every_process_is_scraped(prometheus: str) -> None:
    up = await eventually_found(prometheus, "count by (job) (up == 1)")
    jobs = {series["metric"]["job"] for series in up}
    if len(jobs) < 6:
        await asyncio.sleep(3)
        up = await eventually_found(prometheus, "count by (job) (up == 1)")
        jobs = {series["metric"]["job"] for series in up}
    assert jobs == {"web", "identity", "subscriptions", "payments", "worker", "mail"}


@pytest.mark.parametrize("family", FAMILIES)
async def test_each_metric_family_is_in_prometheus(prometheus: str, family: str) -> None:
    assert await eventually_found(prometheus, family)


async def test_the_journey_shows_in_the_figures(prometheus: str, journey: Journey) -> None:
    paid = await eventually_found(prometheus, 'sum(parking_charges_total{outcome="paid"}) >= 1')
    assert float(paid[0]["value"][1]) >= 1
    active = await eventually_found(prometheus, 'sum(parking_subscriptions{status="active"}) >= 1')
    assert float(active[0]["value"][1]) >= 1
    sent = await eventually_found(
        prometheus, 'sum by (kind) (parking_emails_total{outcome="sent"}) > 0'
    )
    assert {"send_account_email", "subscription_email_user"} <= {s["metric"]["kind"] for s in sent}
    decisions = await eventually_found(
        prometheus,
        'http_requests_total{job="web", route="' + DECISION_ROUTE + '"}',
    )
    assert decisions[0]["metric"]["status"] == "303" and decisions[0]["metric"]["service"] == "web"
    latency = await eventually_found(
        prometheus, 'http_request_duration_seconds_count{job="subscriptions", route="/v1/vehicles"}'
    )
    assert float(latency[0]["value"][1]) == 1


async def test_the_rules_are_loaded_and_quiet_on_a_healthy_platform(prometheus: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(100):
            groups = (await http.get(f"{prometheus}/api/v1/rules")).json()["data"]["groups"]
            if groups and all(g.get("lastEvaluation", "0001").startswith("2") for g in groups):
                break
            await asyncio.sleep(0.2)
        names = {rule["name"] for group in groups for rule in group["rules"]}
        assert "ComponentDown" in names and "EmailsFailing" in names
        alerts = (await http.get(f"{prometheus}/api/v1/alerts")).json()["data"]["alerts"]
    assert alerts == []


async def test_every_email_activity_has_its_series_from_the_start(prometheus: str) -> None:
    found = await eventually_found(prometheus, 'parking_emails_total{outcome="failed"}')
    assert {s["metric"]["kind"] for s in found} == {
        "send_account_email",  # verification, reset, ...
        "subscription_email_user",
        "subscription_email_service_centre",
        "claim_send_receipt",
    }
