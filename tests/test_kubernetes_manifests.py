"""deploy/kubernetes rendered by Debian's kubectl (`kubectl kustomize`, installed by `make test`)
and every manifest validated offline against the Kubernetes API schemas (kubernetes-validate,
pinned version); then what a reviewer checks by hand: probes, limits, non-root, read-only root
filesystem, autoscalers and budgets on real Deployments, who may reach whom."""

import importlib
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KUSTOMIZATIONS = {
    "base": ROOT / "deploy/kubernetes/base",
    "production": ROOT / "deploy/kubernetes/overlays/production",
}
# The API version the manifests are validated against (apps/v1, autoscaling/v2, policy/v1, ...).
KUBERNETES_VERSION = "1.31.0"
COMPONENTS = {"web", "identity", "subscriptions", "payments", "worker"}
# Who calls whom (services/*/ports.py, workflows/, web/): the only pods a service admits.
CALLERS = {
    "identity": {"web", "worker", "subscriptions", "payments"},
    "subscriptions": {"web", "worker", "identity", "payments"},
    "payments": {"web", "worker", "subscriptions"},
}
# Environment names read by code that is not a settings class of this branch: the worker's
# health server settings (WORKER_*, issue 13's observability) and Temporal's envconfig.
sys.path.insert(0, str(ROOT / "deploy"))
from check_config import (  # noqa: E402
    OTHER_NAMES,
    SETTINGS,
    TEMPORAL_ENVCONFIG_NAMES,
    setting_names,
)

KNOWN_ENV = (
    {name for cls in SETTINGS for name in setting_names(cls)}
    | OTHER_NAMES
    | TEMPORAL_ENVCONFIG_NAMES
    | {"WORKER_HEALTH_HOST", "OPERATOR_EMAIL"}  # OPERATOR_EMAIL: the first-operator Job's shell
)


@cache
def rendered(name: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing: `make debian-deps` installs Debian's kubernetes-client"
    out = subprocess.run(
        [kubectl, "kustomize", str(KUSTOMIZATIONS[name])], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def of_kind(name: str, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in rendered(name) if d["kind"] == kind}


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_rendered_manifest_is_valid_for_the_pinned_kubernetes(name):
    documents = rendered(name)
    assert len(documents) > 20
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validation_refuses_a_misspelt_field():
    deployment = of_kind("base", "Deployment")["web"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"path": "/readyz"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_one_deployment_per_component_and_no_mail_catcher(name):
    assert set(of_kind(name, "Deployment")) == COMPONENTS


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_deployment_is_probed_limited_non_root_and_read_only(name):
    for deployment_name, deployment in of_kind(name, "Deployment").items():
        spec = pod_spec(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True, deployment_name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["automountServiceAccountToken"] is False
        (container,) = spec["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        readiness, liveness = container["readinessProbe"], container["livenessProbe"]
        assert readiness["httpGet"]["path"] == "/readyz", deployment_name
        assert liveness["httpGet"]["path"] == "/healthz", deployment_name
        assert readiness["httpGet"]["port"] in ports and liveness["httpGet"]["port"] in ports
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= container["resources"][bound].keys(), deployment_name
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, deployment_name
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
    worker = pod_spec(of_kind(name, "Deployment")["worker"])["containers"][0]
    assert worker["ports"] == [{"name": "health", "containerPort": 8004}]  # its health endpoint


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_the_jobs_run_the_same_way_and_set_up_the_databases(name):
    jobs = of_kind(name, "Job")
    commands = {job: pod_spec(j)["containers"][0]["command"] for job, j in jobs.items()}
    assert commands["migrate"][-3:] == ["identity", "subscriptions", "payments"]
    assert commands["seed"] == ["python", "-m", "services.subscriptions.seed"]
    assert "create-operator --keep-existing" in commands["first-operator"][-1]
    for job in jobs.values():
        spec = pod_spec(job)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_first_step_of_a_release_applies_the_jobs_and_the_config_they_read():
    """docs/deploy.md: `kubectl apply -k ... -l app.kubernetes.io/component=setup`
    then the rest, so migrations run before the new Deployments."""
    first = {
        (d["kind"], d["metadata"]["name"])
        for d in rendered("production")
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "setup"
    }
    jobs = {("Job", name) for name in of_kind("production", "Job")}
    assert first == jobs | {("ConfigMap", "platform")}
    assert "-l app.kubernetes.io/component=setup" in (ROOT / "docs/deploy.md").read_text()


def test_every_command_names_a_module_that_exists_with_options_it_knows():
    uvicorn_help = subprocess.run(
        [str(Path(sys.executable).parent / "uvicorn"), "--help"], capture_output=True, text=True
    ).stdout
    for workload in [*of_kind("base", "Deployment").values(), *of_kind("base", "Job").values()]:
        command = pod_spec(workload)["containers"][0]["command"]
        if command[0] == "uvicorn":
            module, factory = command[command.index("--factory") + 1].split(":")
            assert callable(getattr(importlib.import_module(module), factory))
            for option in [word for word in command if word.startswith("--")]:
                assert option in uvicorn_help, option
        elif command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]), command


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_autoscalers_and_budgets_target_existing_deployments(name):
    deployments = of_kind(name, "Deployment")
    autoscalers = of_kind(name, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in autoscalers.values()} == COMPONENTS
    for hpa in autoscalers.values():
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments
        assert hpa["spec"]["minReplicas"] >= 2
        assert "replicas" not in deployments[target["name"]]["spec"]  # the HPA owns the count
    budgets = of_kind(name, "PodDisruptionBudget")
    for deployment_name, deployment in deployments.items():
        covering = [
            b for b in budgets.values()
            if selects(b["spec"]["selector"]["matchLabels"], pod_labels(deployment))
        ]  # fmt: skip
        assert len(covering) == 1, deployment_name


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_services_reach_their_deployment_on_a_declared_port(name):
    deployments = of_kind(name, "Deployment")
    for service_name, service in of_kind(name, "Service").items():
        matched = [
            d for d in deployments.values() if selects(service["spec"]["selector"], pod_labels(d))
        ]
        assert [d["metadata"]["name"] for d in matched] == [service_name]
        ports = {p["name"] for p in pod_spec(matched[0])["containers"][0]["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= ports


def _admitted(policy: dict[str, Any], deployments: dict[str, Any]) -> set[str] | None:
    """The Deployments a policy lets in, or None when it admits any source."""
    admitted: set[str] = set()
    for rule in policy["spec"].get("ingress", []):
        if "from" not in rule:
            return None
        for source in rule["from"]:
            selector = source["podSelector"]["matchLabels"]
            found = {n for n, d in deployments.items() if selects(selector, pod_labels(d))}
            assert found, f"{policy['metadata']['name']} admits pods no Deployment makes"
            admitted |= found
    return admitted


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_network_policies_let_only_the_callers_reach_each_service(name):
    deployments = of_kind(name, "Deployment")
    policies = list(of_kind(name, "NetworkPolicy").values())
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]]
    assert deny and deny[0]["spec"]["policyTypes"] == ["Ingress"]  # everything else refused
    for target, deployment in deployments.items():
        selecting = [
            p for p in policies
            if p["spec"]["podSelector"] and selects(
                p["spec"]["podSelector"]["matchLabels"], pod_labels(deployment)
            )
        ]  # fmt: skip
        admitted = [_admitted(p, deployments) for p in selecting]
        if target == "web":
            assert admitted == [None]  # the gateway or ingress, from wherever it runs
        elif target == "worker":
            assert admitted == []  # nothing connects to a worker (probes come from the node)
        else:
            assert admitted == [CALLERS[target]], target
            (port,) = selecting[0]["spec"]["ingress"][0]["ports"]
            assert (
                port["port"] == pod_spec(deployment)["containers"][0]["ports"][0]["containerPort"]
            )


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_secrets_only_by_reference_and_every_variable_is_read_by_the_code(name):
    documents = rendered(name)
    assert not [d for d in documents if d["kind"] == "Secret"]
    config_maps = of_kind(name, "ConfigMap")
    secret_names = set()
    for document in documents:
        if document["kind"] not in {"Deployment", "Job"}:
            continue
        (container,) = pod_spec(document)["containers"]
        for env in container.get("env", []):
            assert env["name"] in KNOWN_ENV, env["name"]
            if "valueFrom" in env:
                secret_names.add(env["valueFrom"]["secretKeyRef"]["name"])
            else:
                assert "PASSWORD" not in env["name"] and "SECRET" not in env["name"]
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps
    for config_map in config_maps.values():
        assert set(config_map["data"]) <= KNOWN_ENV
    docs = (ROOT / "docs/deploy.md").read_text()
    for secret in secret_names:
        assert f"`{secret}`" in docs, f"docs/deploy.md does not say how to create {secret}"


def test_production_runs_the_release_image_in_its_namespace_over_mtls():
    documents = rendered("production")
    assert {d["metadata"].get("namespace") for d in documents} == {"parking"}
    for workload in [*of_kind("production", "Deployment").values()]:
        image = pod_spec(workload)["containers"][0]["image"]
        assert image.startswith("registry.example.org/parking/parking-platform:"), image
    config = of_kind("production", "ConfigMap")["platform"]["data"]
    assert config["TEMPORAL_TLS"] == "true"
    mounted = {
        m["mountPath"]
        for m in pod_spec(of_kind("production", "Deployment")["worker"])["containers"][0][
            "volumeMounts"
        ]
    }
    assert str(Path(config["TEMPORAL_TLS_CLIENT_CERT_PATH"]).parent) in mounted
