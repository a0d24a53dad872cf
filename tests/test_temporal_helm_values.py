"""deploy/temporal/values.yaml against Temporal's Helm chart (a copy of its values.yaml: no helm
binary and no network here): every key exists in the chart, PostgreSQL holds persistence and
visibility, and the search-attribute Job registers the platform's attributes."""

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from servicekit.temporal import SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[1]
VALUES = yaml.safe_load((ROOT / "deploy/temporal/values.yaml").read_text())
CHART = yaml.safe_load((ROOT / "deploy/temporal/chart-values-1.6.0.yaml").read_text())
KUBERNETES_VERSION = "1.31.0"
# The chart documents a datastore's SQL keys in comments only (its default store is empty).
SQL_KEYS = {
    "createDatabase", "manageSchema", "pluginName", "driverName", "databaseName", "connectAddr",
    "connectProtocol", "host", "port", "user", "password", "existingSecret", "secretKey",
    "passwordCommand", "maxConns", "maxIdleConns", "maxConnLifetime", "connectAttributes", "tls",
}  # fmt: skip
# Free-form values: lists and maps the chart passes through as given.
FREE_FORM = {
    ("server", "config", "namespaces", "namespace"),
    ("web", "additionalEnv"),
    ("extraObjects",),
}


def unknown_keys(ours: Any, chart: Any, path: tuple[str, ...] = ()) -> list[str]:
    if path in FREE_FORM or not isinstance(ours, dict):
        return []
    if path[:4] == ("server", "config", "persistence", "datastores") and len(path) == 6:
        return [".".join((*path, key)) for key in ours if key not in SQL_KEYS]
    if path == ("server", "config", "persistence", "datastores"):
        return [
            problem
            for name, store in ours.items()
            for problem in unknown_keys(store, {"sql": {}}, (*path, name))
        ]
    problems = []
    for key, value in ours.items():
        if not isinstance(chart, dict) or key not in chart:
            problems.append(".".join((*path, key)))
        else:
            problems += unknown_keys(value, chart[key], (*path, key))
    return problems


def test_every_key_exists_in_the_chart():
    assert unknown_keys(VALUES, CHART) == []


def test_the_key_check_catches_a_key_of_the_older_chart():
    """Chart 0.x keys (bundled PostgreSQL subchart, `driver: sql`) are not in 1.6.0."""
    old = {"postgresql": {"enabled": False}, "server": {"config": {"persistence": {
        "datastores": {"default": {"sql": {"driver": "postgres12"}}}}}}}  # fmt: skip
    assert unknown_keys(old, CHART) == [
        "postgresql",
        "server.config.persistence.datastores.default.sql.driver",
    ]


def test_persistence_and_visibility_on_postgresql_with_the_schema_managed_by_the_chart():
    persistence = VALUES["server"]["config"]["persistence"]
    stores = persistence["datastores"]
    assert stores[persistence["defaultStore"]]["sql"]["databaseName"] == "temporal"
    assert stores[persistence["visibilityStore"]]["sql"]["databaseName"] == "temporal_visibility"
    for store in stores.values():
        sql = store["sql"]
        assert sql["pluginName"] == "postgres12"
        assert sql["manageSchema"] is True  # the chart's schema Job: setup-schema, update-schema
        assert "password" not in sql and sql["existingSecret"]  # the password by reference
    assert {"name": "default", "retention": "30d"} in VALUES["server"]["config"]["namespaces"][
        "namespace"
    ]


def _search_attribute_job() -> dict[str, Any]:
    """The extraObjects Job as Kubernetes gets it with TLS on: the chart's `tpl` keeps the
    lines between `{{- if }}` and `{{- end }}` and drops those action lines."""
    (template,) = VALUES["extraObjects"]
    kept = [line for line in template.splitlines() if not re.fullmatch(r"\s*\{\{-.*\}\}\s*", line)]
    return yaml.safe_load("\n".join(kept))


def test_a_job_registers_exactly_the_platform_search_attributes_after_the_namespace():
    job = _search_attribute_job()
    kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
    hooks = job["metadata"]["annotations"]
    assert hooks["helm.sh/hook"] == "post-install,post-upgrade"
    assert int(hooks["helm.sh/hook-weight"]) > 0  # the chart's namespace Job has weight 0
    (container,) = job["spec"]["template"]["spec"]["containers"]
    script = container["args"][0]
    listed = re.search(r"for name in ([^;]+);", script)
    assert listed and listed.group(1).split() == [key.name for key in SEARCH_ATTRIBUTES]
    assert "--type Keyword" in script
    env = {e["name"] for e in container["env"]}
    assert {"TEMPORAL_ADDRESS", "TEMPORAL_TLS_CLIENT_CERT_PATH"} <= env  # mTLS like the platform
