"""docker-compose.yml, read as YAML (no Docker engine here, so `docker compose config` cannot run):
Temporal's server with a schema job instead of auto-setup, the seed and first-operator jobs,
health checks on /readyz, every database created by init-databases.sql, and docs/deploy.md
telling the truth about it."""

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
PLATFORM_IMAGE = "parking-platform:latest"


def waits_for(service: str, other: str, condition: str) -> bool:
    return SERVICES[service].get("depends_on", {}).get(other, {}).get("condition") == condition


def mounted_script(service: str) -> str:
    """The text of the script a one-shot job mounts and runs."""
    (volume,) = SERVICES[service]["volumes"]
    source = volume.split(":")[0]
    assert SERVICES[service]["entrypoint"][-1] == volume.split(":")[1]
    return (ROOT / source).read_text()


def test_temporal_server_with_its_schema_set_up_by_the_admin_tools_not_auto_setup():
    images = {name: service.get("image", "") for name, service in SERVICES.items()}
    assert not [name for name, image in images.items() if "auto-setup" in image]
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-schema"].startswith("temporalio/admin-tools:")
    assert SERVICES["temporal-schema"]["restart"] == "no"
    assert waits_for("temporal-schema", "postgres", "service_healthy")
    assert waits_for("temporal", "temporal-schema", "service_completed_successfully")
    script = mounted_script("temporal-schema")
    for database in ("temporal", "temporal_visibility"):
        assert database in script
    assert "setup-schema -v 0.0" in script and "update-schema" in script
    assert SERVICES["temporal"]["environment"]["DBNAME"] == "temporal"
    assert SERVICES["temporal"]["environment"]["VISIBILITY_DBNAME"] == "temporal_visibility"


def test_the_namespace_and_search_attributes_job_runs_once_temporal_is_healthy():
    assert waits_for("temporal-search-attributes", "temporal", "service_healthy")
    script = mounted_script("temporal-search-attributes")
    assert "temporal operator namespace create" in script
    assert "search-attribute create" in script


def test_seed_and_first_operator_jobs_run_after_the_migrations():
    for job in ("seed", "first-operator"):
        service = SERVICES[job]
        assert service["image"] == PLATFORM_IMAGE and service["restart"] == "no", job
        assert waits_for(job, "migrate", "service_completed_successfully"), job
    assert SERVICES["seed"]["command"] == ["python", "-m", "services.subscriptions.seed"]
    operator = " ".join(SERVICES["first-operator"]["command"])
    assert "services.identity.cli create-operator --keep-existing" in operator
    assert set(SERVICES["first-operator"]["environment"]) == {
        "IDENTITY_DATABASE_URL",
        "OPERATOR_EMAIL",
        "OPERATOR_PASSWORD",
    }
    assert waits_for("worker", "seed", "service_completed_successfully")


def test_worker_and_web_are_healthy_only_when_ready():
    for name, port in (("web", 8000), ("worker", 8004)):
        check = " ".join(SERVICES[name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/readyz" in check, name
    assert waits_for("gateway", "web", "service_healthy")


def test_every_database_a_container_uses_is_made_by_init_databases_sql():
    sql = (ROOT / "deploy/postgres/init-databases.sql").read_text()
    created = set(re.findall(r"^CREATE DATABASE (\w+) OWNER (\w+);", sql, re.MULTILINE))
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"postgresql\+asyncpg://(\w+):[^@]+@postgres:5432/(\w+)", text))
    assert {(database, role) for role, database in used} <= created
    assert ("worker", "worker") in created  # the shared sent-mail ledger
    assert SERVICES["worker"]["environment"]["SMTP_LEDGER_URL"].startswith("postgresql+asyncpg://")
    for role in {owner for _, owner in created}:
        password = f"{role.upper()}_DB_PASSWORD"
        assert f"\\getenv {role}_password {password}" in sql
        assert password in SERVICES["postgres"]["environment"]


def test_docs_name_every_volume_and_the_right_count():
    volumes = list(COMPOSE["volumes"])
    docs = (ROOT / "docs/deploy.md").read_text()
    counts = {2: "two", 3: "three", 4: "four", 5: "five"}
    said = re.search(r"Data lives in (\w+) named volumes", docs)
    assert said and said.group(1) == counts[len(volumes)]
    for volume in volumes:
        assert f"`{volume}`" in docs, volume


def test_the_hosted_card_page_is_reached_through_the_gateway_at_its_public_origin():
    """The sandbox's page: not published itself (the gateway's port 8005 is its origin, the
    portal's frame-src), the client address from the gateway's X-Forwarded-For, the payments
    database, started before the gateway; the processor's webhook the one path of payments the
    gateway relays."""
    hosted = SERVICES["hosted-card"]
    assert "ports" not in hosted and hosted["expose"] == ["8005"]
    assert "services.payments.hosted_card.main:create_app" in hosted["command"]
    assert "--proxy-headers" in hosted["command"]
    assert set(hosted["environment"]) >= {"PAYMENTS_DATABASE_URL", "PLATFORM_PUBLIC_WEB_ORIGIN"}
    assert "http://127.0.0.1:8005/healthz" in " ".join(hosted["healthcheck"]["test"])
    assert waits_for("gateway", "hosted-card", "service_healthy")
    gateway = SERVICES["gateway"]
    assert gateway["environment"]["HOSTED_CARD_UPSTREAM"] == "hosted-card:8005"
    assert "8005:8005" in gateway["ports"]
    platform = COMPOSE["x-platform-env"]
    assert platform["PLATFORM_HOSTED_CARD_ORIGIN"].endswith(":-http://localhost:8005}")
    templates = {v.split(":")[1]: ROOT / v.split(":")[0] for v in gateway["volumes"]}
    site = templates["/etc/nginx/templates/default.conf.template"].read_text()
    assert "location = /v1/processor/webhooks/stripe {" in site
    assert site.count("${PAYMENTS_UPSTREAM}") == 1  # nothing else of payments
    card = templates["/etc/nginx/templates/hosted-card.conf.template"]
    assert card == ROOT / "deploy/nginx/hosted-card/hosted-card.conf.template"
