"""deploy/kubernetes rendered by Debian's kubectl (`kubectl kustomize`, installed by `make test`)
and every manifest validated offline against the Kubernetes API schemas (kubernetes-validate,
pinned version); then what a reviewer checks by hand: probes, limits, non-root, read-only root
filesystem, autoscalers and budgets on real Deployments, who may reach whom, what the gateway
serves (the nginx templates of deploy/nginx, byte for byte) and the hosted card page the portal
frames: in Stripe mode in production, in sandbox mode in overlays/sandbox."""

import importlib
import re
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
    "sandbox": ROOT / "deploy/kubernetes/overlays/sandbox",
}
OVERLAYS = ("production", "sandbox")
# The API version the manifests are validated against (apps/v1, autoscaling/v2, policy/v1, ...).
KUBERNETES_VERSION = "1.31.0"
COMPONENTS = {"gateway", "web", "identity", "subscriptions", "payments", "worker"}
# The hosted card page (deploy/kubernetes/hosted-card): in each overlay, not in the base.
OVERLAY_ONLY = {"hosted-card"}
# Who calls whom (services/*/ports.py, workflows/, web/): the only pods a service admits. The
# gateway relays the browsers to the web and the hosted card page, and the card processor's
# webhook to payments (that path only: deploy/nginx, tests/test_nginx_gateway.py).
CALLERS = {
    "web": {"gateway"},
    "identity": {"web", "worker", "subscriptions", "payments"},
    "subscriptions": {"web", "worker", "identity", "payments"},
    "payments": {"web", "worker", "subscriptions", "gateway"},
    "hosted-card": {"gateway"},
}
NGINX = ROOT / "deploy/nginx"
# The gateway's templates (file name in /etc/nginx/templates -> the file in deploy/nginx).
GATEWAY_TEMPLATES = {
    "default.conf.template": NGINX / "templates/default.conf.template",
    "probes.conf.template": NGINX / "kubernetes/probes.conf.template",
}
HOSTED_CARD_TEMPLATES = {
    "hosted-card.conf.template": NGINX / "hosted-card/hosted-card.conf.template"
}
# Environment names read by code that is not a settings class of this branch: the worker's
# health server settings (WORKER_*, issue 13's observability) and Temporal's envconfig.
from services.payments.hosted_card.config import HostedCardSettings  # noqa: E402

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


def components(name: str) -> set[str]:
    return COMPONENTS | (OVERLAY_ONLY if name in OVERLAYS else set())


def container_env(deployment: dict[str, Any]) -> dict[str, str]:
    """The plain values of a Deployment's one container (references left out)."""
    (container,) = pod_spec(deployment)["containers"]
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def gateway_templates(name: str) -> dict[str, str]:
    """File name -> text of every template the gateway mounts at /etc/nginx/templates."""
    gateway = of_kind(name, "Deployment")["gateway"]
    (container,) = pod_spec(gateway)["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/etc/nginx/templates"]
    (volume,) = [v for v in pod_spec(gateway)["volumes"] if v["name"] == mount["name"]]
    config_maps = of_kind(name, "ConfigMap")
    files: dict[str, str] = {}
    for source in volume["projected"]["sources"]:
        data = config_maps[source["configMap"]["name"]]["data"]
        assert not files.keys() & data.keys()
        files |= data
    return files


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
    assert set(of_kind(name, "Deployment")) == components(name)


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
    workloads = [*of_kind("sandbox", "Deployment").values(), *of_kind("base", "Job").values()]
    for workload in workloads:
        if workload["metadata"]["name"] == "gateway":
            continue  # the nginx image's own entrypoint (templates, then nginx)
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
    assert {h["spec"]["scaleTargetRef"]["name"] for h in autoscalers.values()} == components(name)
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
        if target == "gateway":
            assert admitted == [None]  # the load balancer or ingress, from wherever it runs
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
    secret_names, environments = set(), set()
    for document in documents:
        if document["kind"] not in {"Deployment", "Job"}:
            continue
        (container,) = pod_spec(document)["containers"]
        is_gateway = document["metadata"]["name"] == "gateway"
        for env in container.get("env", []):
            if is_gateway:  # its variables are its templates' (test_the_gateway_sets_...)
                assert "valueFrom" not in env, env["name"]  # the gateway holds no secret
                continue
            assert env["name"] in KNOWN_ENV, env["name"]
            if "valueFrom" in env:
                secret_names.add(env["valueFrom"]["secretKeyRef"]["name"])
            else:
                assert "PASSWORD" not in env["name"] and "SECRET" not in env["name"]
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps
            environments.add(source["configMapRef"]["name"])
    assert environments == {"platform"}  # the gateway's templates are files, not variables
    for config_map in environments:
        assert set(config_maps[config_map]["data"]) <= KNOWN_ENV
    docs = (ROOT / "docs/deploy.md").read_text()
    for secret in secret_names:
        assert f"`{secret}`" in docs, f"docs/deploy.md does not say how to create {secret}"


@pytest.mark.parametrize(
    ("name", "namespace"), [("production", "parking"), ("sandbox", "parking-sandbox")]
)
def test_an_overlay_runs_the_release_image_in_its_namespace(name, namespace):
    documents = rendered(name)
    assert {d["metadata"].get("namespace") for d in documents} == {namespace}
    for workload_name, workload in of_kind(name, "Deployment").items():
        image = pod_spec(workload)["containers"][0]["image"]
        if workload_name == "gateway":
            assert image.startswith("nginxinc/nginx-unprivileged:"), image  # runs as uid 101
        else:
            assert image.startswith("registry.example.org/parking/parking-platform:"), image


def test_production_talks_to_temporal_over_mtls():
    config = of_kind("production", "ConfigMap")["platform"]["data"]
    assert config["TEMPORAL_TLS"] == "true"
    mounted = {
        m["mountPath"]
        for m in pod_spec(of_kind("production", "Deployment")["worker"])["containers"][0][
            "volumeMounts"
        ]
    }
    assert str(Path(config["TEMPORAL_TLS_CLIENT_CERT_PATH"]).parent) in mounted


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_the_gateway_runs_the_nginx_templates_of_deploy_nginx(name):
    """Byte for byte the files tests/test_nginx_gateway.py and the topology run with Debian's
    nginx; the hosted card page's server in each overlay."""
    wanted = GATEWAY_TEMPLATES | (HOSTED_CARD_TEMPLATES if name in OVERLAYS else {})
    files = gateway_templates(name)
    assert set(files) == set(wanted)
    for file_name, path in wanted.items():
        assert files[file_name] == path.read_text(), file_name


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_the_gateway_sets_every_variable_of_its_templates_and_reaches_real_services(name):
    gateway = of_kind(name, "Deployment")["gateway"]
    env = container_env(gateway)
    variables = {
        v for text in gateway_templates(name).values() for v in re.findall(r"\$\{(\w+)\}", text)
    }
    assert set(env) - {"NGINX_ENVSUBST_FILTER"} == variables
    # The image substitutes only the variables its filter matches (nginx's $vars stay).
    envsubst = re.compile(env["NGINX_ENVSUBST_FILTER"])
    assert all(envsubst.search(v) for v in variables)
    assert not [v for v in ("host", "uri", "remote_addr", "request_method") if envsubst.search(v)]
    services = of_kind(name, "Service")
    for variable, value in env.items():
        if not variable.endswith("_UPSTREAM") or ".temporal.svc" in value:
            continue  # the Temporal UI is the Helm chart's Service, in namespace temporal
        host, port = value.split(":")
        assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}, variable
    (container,) = pod_spec(gateway)["containers"]
    ports = {p["containerPort"] for p in container["ports"]}
    assert {8000, 8080} <= ports  # the portal's server and the probes' (probes.conf.template)
    assert [p["port"] for p in services["gateway"]["spec"]["ports"]] == [8000]


def config(name: str) -> dict[str, str]:
    data: dict[str, str] = of_kind(name, "ConfigMap")["platform"]["data"]
    return data


def origin(value: str) -> str:
    """The value when it is an https origin (scheme and host, nothing after)."""
    assert re.fullmatch(r"https://[a-z0-9.-]+", value), value
    return value


def env_references(deployment: dict[str, Any]) -> dict[str, str]:
    """Variable -> the Secret it comes from, for the Deployment's one container."""
    (container,) = pod_spec(deployment)["containers"]
    return {
        e["name"]: e["valueFrom"]["secretKeyRef"]["name"]
        for e in container.get("env", [])
        if "valueFrom" in e
    }


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_portal_frames_the_hosted_page_at_the_gateway_host_name(name):
    """The portal's CSP frame-src (PLATFORM_HOSTED_CARD_ORIGIN) is the host name the gateway
    serves the page on, another origin than the portal's, which is the page's frame-ancestors."""
    data = config(name)
    gateway = container_env(of_kind(name, "Deployment")["gateway"])
    hosted = origin(data["PLATFORM_HOSTED_CARD_ORIGIN"])
    assert hosted == f"https://{gateway['HOSTED_CARD_SERVER_NAME']}"
    assert hosted != origin(data["PLATFORM_PUBLIC_WEB_ORIGIN"])
    assert gateway["HOSTED_CARD_LISTEN"] == "8000"  # behind the same Service port as the portal
    assert gateway["HOSTED_CARD_UPSTREAM"] == "hosted-card:8005"
    (container,) = pod_spec(of_kind(name, "Deployment")["hosted-card"])["containers"]
    command = container["command"]
    assert "services.payments.hosted_card.main:create_app" in command
    assert "--proxy-headers" in command  # the tokens are counted per browser address
    assert [s["configMapRef"]["name"] for s in container["envFrom"]] == ["platform"]


def test_production_runs_stripe_and_its_card_page_in_stripe_mode():
    """Payments charges through Stripe; the hosted card page shows Stripe.js's card element
    with the publishable key and a restricted key, and holds no database credential."""
    data = config("production")
    deployments = of_kind("production", "Deployment")
    payments = deployments["payments"]
    assert container_env(payments)["PAYMENTS_PROCESSOR"] == "stripe"
    secrets = env_references(payments)
    assert secrets["PAYMENTS_STRIPE_SECRET_KEY"] == "payments-stripe"
    assert secrets["PAYMENTS_STRIPE_WEBHOOK_SECRET"] == "payments-stripe"
    assert container_env(payments)["PAYMENTS_STRIPE_RETURN_URL"].startswith(
        data["PLATFORM_PUBLIC_WEB_ORIGIN"]
    )
    hosted = deployments["hosted-card"]
    assert container_env(hosted) == {"HOSTED_CARD_PROCESSOR": "stripe"}
    assert env_references(hosted) == {  # no service token, no data key, no database
        "HOSTED_CARD_STRIPE_PUBLISHABLE_KEY": "hosted-card-stripe",
        "HOSTED_CARD_STRIPE_SECRET_KEY": "hosted-card-stripe",
    }
    # with its Secret's values, the page's settings are complete (Stripe.js from Stripe)
    settings = HostedCardSettings(
        _env_file=None,
        processor="stripe",
        stripe_publishable_key="pk_live_x",
        stripe_secret_key="rk_live_x",
    )
    assert settings.stripe_js_url == "https://js.stripe.com/v3/"


def test_the_sandbox_runs_its_processor_and_its_card_page_in_sandbox_mode():
    """The sandbox page keeps its tokens in the payments database: that URL is all it holds."""
    deployments = of_kind("sandbox", "Deployment")
    assert container_env(deployments["payments"])["PAYMENTS_PROCESSOR"] == "sandbox"
    hosted = deployments["hosted-card"]
    assert container_env(hosted) == {"HOSTED_CARD_PROCESSOR": "sandbox"}
    assert env_references(hosted) == {"PAYMENTS_DATABASE_URL": "payments-secrets"}
