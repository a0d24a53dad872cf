"""Check the deployment files against the code, without Docker: `python deploy/check_config.py`.

- `.env.example` names every setting of every settings class, its active values are the code's
  defaults, and it names nothing that no code reads;
- `docker-compose.yml` passes the platform containers only settings that exist, every
  `${VARIABLE}` it interpolates is documented in `.env.example`, its `depends_on` conditions
  point at services that can meet them;
- its gateway mounts nginx templates that exist and sets every `${VARIABLE}` they use (and its
  envsubst filter lets each through), each upstream a service of the file on a port it serves,
  and the hosted card page's public origin (PLATFORM_HOSTED_CARD_ORIGIN) is a port it publishes;
- the search-attribute job registers exactly servicekit.temporal.SEARCH_ATTRIBUTES, as Keyword.

Exit status 1 and one line per problem when something disagrees.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailcatcher.config import Settings as MailcatcherSettings  # noqa: E402
from servicekit.mail import MailSettings  # noqa: E402
from servicekit.observability.settings import ObservabilitySettings  # noqa: E402
from servicekit.settings import PlatformSettings  # noqa: E402
from servicekit.temporal import SEARCH_ATTRIBUTES  # noqa: E402
from services.identity.config import IdentitySettings  # noqa: E402
from services.payments.config import PaymentsSettings  # noqa: E402
from services.payments.hosted_card.config import HostedCardSettings  # noqa: E402
from services.subscriptions.config import SubscriptionsSettings  # noqa: E402
from web.config import WebSettings  # noqa: E402
from workflows.observability import WorkerObservabilitySettings  # noqa: E402
from workflows.subscription.settings import WorkflowSettings  # noqa: E402

SETTINGS: list[type[BaseSettings]] = [
    PlatformSettings,
    MailSettings,
    IdentitySettings,
    WorkflowSettings,
    SubscriptionsSettings,
    PaymentsSettings,
    HostedCardSettings,
    MailcatcherSettings,
    WebSettings,
    ObservabilitySettings,
    WorkerObservabilitySettings,
]
# Read with os.environ, outside the settings classes.
OTHER_NAMES = {
    "PLATFORM_DATA_DIR",  # deploy/embedded/temporal_dev.py
    "TEMPORAL_UI_PORT",  # deploy/embedded/temporal_dev.py
    "OPERATOR_PASSWORD",  # services/identity/cli.py
    "TEST_DATABASE_URL",  # tests
    "OTEL_EXPORTER_OTLP_ENDPOINT",  # the OpenTelemetry SDK (servicekit/observability/tracing.py)
    # servicekit/db.py, from the process environment (PostgreSQL pools: compose, Kubernetes)
    "PLATFORM_DATABASE_POOL_SIZE",
    "PLATFORM_DATABASE_MAX_OVERFLOW",
}
# Temporal's own environment configuration, read by temporalio.envconfig (servicekit/temporal.py).
TEMPORAL_ENVCONFIG_NAMES = {
    "TEMPORAL_CONFIG_FILE",
    "TEMPORAL_PROFILE",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_SERVER_NAME",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
}
# Interpolated by docker-compose.yml only.
COMPOSE_NAMES = {
    "POSTGRES_PASSWORD",
    "IDENTITY_DB_PASSWORD",
    "SUBSCRIPTIONS_DB_PASSWORD",
    "PAYMENTS_DB_PASSWORD",
    "TEMPORAL_DB_PASSWORD",
    "WORKER_DB_PASSWORD",
    "OPERATOR_EMAIL",
    "TEMPORAL_HISTORY_SHARDS",
    "TEMPORAL_VERSION",
    "TEMPORAL_ADMINTOOLS_VERSION",
    "TEMPORAL_UI_VERSION",
    "NGINX_VERSION",
    "MAILPIT_VERSION",
}
PLATFORM_IMAGE = "parking-platform:latest"
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def setting_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Environment name -> field name of a settings class (nested settings left out)."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = {}
    for name, info in cls.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
            continue
        names[f"{prefix}{name}".upper()] = name
    return names


def read_env_example(path: Path) -> tuple[dict[str, str], set[str]]:
    """Active KEY=value lines, and every key named (active or commented out)."""
    active: dict[str, str] = {}
    named: set[str] = set()
    for line in path.read_text().splitlines():
        found = ENV_LINE.match(line.strip())
        if not found:
            continue
        named.add(found.group(1))
        if not line.startswith("#"):
            active[found.group(1)] = found.group(2)
    return active, named


def defaults(cls: type[BaseSettings]) -> BaseSettings:
    """The class with nothing from the environment nor any file."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in setting_names(cls)}
    try:
        return cls(_env_file=None)
    finally:
        os.environ.update(saved)


def readings(
    cls: type[BaseSettings], path: Path, names: dict[str, str], exported: dict[str, str]
) -> list[tuple[str, BaseSettings]]:
    """The class as built from the file read by itself, and from the file exported to it."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k in names}
    try:
        built = []
        if cls.model_config.get("env_file"):
            built.append(("read as env_file", cls(_env_file=path)))
        os.environ.update({k: v for k, v in exported.items() if k in names})
        built.append(("exported", cls(_env_file=None)))
        return built
    finally:
        for key in names:
            os.environ.pop(key, None)
        os.environ.update(saved)


def exported_values(path: Path, problems: list[str]) -> dict[str, str]:
    """What honcho exports from the file; python-dotenv (pydantic, compose-like) must agree."""
    values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    try:
        from honcho.environ import parse
    except ImportError:
        return values
    exported = dict(parse(path.read_text()))
    for key in sorted(values.keys() | exported.keys()):
        if values.get(key) != exported.get(key):
            problems.append(
                f".env.example: {key} reads {values.get(key)!r} with python-dotenv but "
                f"{exported.get(key)!r} with honcho"
            )
    return exported


def check_env_example(problems: list[str]) -> set[str]:
    path = ROOT / ".env.example"
    active, named = read_env_example(path)
    exported = exported_values(path, problems)
    expected: set[str] = set()
    for cls in SETTINGS:
        names = setting_names(cls)
        expected |= names.keys()
        for env_name in sorted(names.keys() - named):
            problems.append(f".env.example: {env_name} ({cls.__name__}) is missing")
        # The active lines must reproduce the defaults, whether a class reads the file itself
        # (pydantic-settings' env_file) or gets it exported (honcho, docker compose).
        for source, value_of in readings(cls, path, names, exported):
            for env_name, field in names.items():
                got, default = getattr(value_of, field), getattr(defaults(cls), field)
                if got != default:
                    problems.append(
                        f".env.example ({source}): {env_name}={got!r} is not the default "
                        f"{default!r}"
                    )
    read_elsewhere = OTHER_NAMES | COMPOSE_NAMES | TEMPORAL_ENVCONFIG_NAMES
    for env_name in sorted(named - expected - read_elsewhere):
        problems.append(f".env.example: {env_name} is read by nothing")
    for env_name in sorted((OTHER_NAMES - {"TEST_DATABASE_URL"}) - active.keys() - named):
        problems.append(f".env.example: {env_name} is missing")
    return named


def check_compose(problems: list[str], documented: set[str]) -> None:
    path = ROOT / "docker-compose.yml"
    text = path.read_text()
    compose: dict[str, Any] = yaml.safe_load(text)
    for variable in sorted(set(INTERPOLATION.findall(text)) - documented):
        problems.append(f"docker-compose.yml: ${{{variable}}} is not in .env.example")
    known = set(OTHER_NAMES)
    for cls in SETTINGS:
        known |= setting_names(cls).keys()
    prefixes = tuple(str(cls.model_config.get("env_prefix", "")).upper() for cls in SETTINGS)
    services: dict[str, Any] = compose["services"]
    for name, service in services.items():
        if service.get("image") == PLATFORM_IMAGE:
            for key in service.get("environment") or {}:
                if key.startswith(prefixes) and key not in known:
                    problems.append(f"docker-compose.yml: {name}: {key} is read by nothing")
        for target, rule in (service.get("depends_on") or {}).items():
            if target not in services:
                problems.append(f"docker-compose.yml: {name} depends on unknown {target}")
                continue
            condition = rule.get("condition")
            other = services[target]
            if condition == "service_healthy" and "healthcheck" not in other:
                problems.append(
                    f"docker-compose.yml: {name} waits for {target} healthy, "
                    "which has no healthcheck"
                )
            if condition == "service_completed_successfully" and other.get("restart") != "no":
                problems.append(
                    f"docker-compose.yml: {name} waits for {target} to complete, which restarts"
                )


def expose_ports(service: dict[str, Any]) -> set[str]:
    """The container ports a compose service serves on: `expose`, `ports`, its `--port`."""
    ports = {str(p) for p in service.get("expose") or []}
    ports |= {str(p).rsplit(":", 1)[-1] for p in service.get("ports") or []}
    command = service.get("command") or []
    if "--port" in command:
        ports.add(str(command[command.index("--port") + 1]))
    return ports


def check_gateway(problems: list[str], text: str) -> None:
    """The gateway of a docker-compose.yml's `text`."""
    compose: dict[str, Any] = yaml.safe_load(text)
    services: dict[str, Any] = compose["services"]
    gateway = services["gateway"]
    environment: dict[str, str] = {k: str(v) for k, v in gateway["environment"].items()}
    where = "docker-compose.yml: gateway"
    variables: set[str] = set()
    for volume in gateway.get("volumes") or []:
        source, target = volume.split(":")[:2]
        if not target.startswith("/etc/nginx/templates/") or not target.endswith(".template"):
            problems.append(f"{where}: {target} is not a template file of the nginx image")
            continue
        path = ROOT / source
        if not path.is_file():
            problems.append(f"{where}: {source} does not exist")
            continue
        variables |= set(re.findall(r"\$\{(\w+)\}", path.read_text()))
    # The image substitutes only the variables the filter matches ($$ is compose's escape).
    envsubst = re.compile(environment.get("NGINX_ENVSUBST_FILTER", "").replace("$$", "$"))
    for variable in sorted(variables):
        if variable not in environment:
            problems.append(f"{where}: ${{{variable}}} of its templates is not set")
        elif not envsubst.search(variable):
            problems.append(f"{where}: NGINX_ENVSUBST_FILTER leaves ${{{variable}}} as it is")
    for variable, value in sorted(environment.items()):
        if variable.endswith("_UPSTREAM"):
            host, _, port = value.partition(":")
            if host not in services or port not in expose_ports(services[host]):
                problems.append(f"{where}: {variable}={value} is no service's port")
    published = {str(p).split(":")[-1] for p in gateway.get("ports") or []}
    hosted = re.search(
        r"PLATFORM_HOSTED_CARD_ORIGIN: \$\{PLATFORM_HOSTED_CARD_ORIGIN:-([^}]*)\}", text
    )
    origin_port = hosted.group(1).rsplit(":", 1)[-1] if hosted else ""
    if origin_port not in published or environment.get("HOSTED_CARD_LISTEN") != origin_port:
        problems.append(
            f"{where}: the hosted card page's origin (port {origin_port or '?'}) is not the "
            "port it serves and publishes it on"
        )


def check_search_attributes(problems: list[str]) -> None:
    script = (ROOT / "deploy" / "temporal" / "register-search-attributes.sh").read_text()
    found = re.search(r'^attributes="([^"]*)"', script, re.MULTILINE)
    registered = found.group(1).split() if found else []
    wanted = [key.name for key in SEARCH_ATTRIBUTES]
    if sorted(registered) != sorted(wanted):
        problems.append(f"register-search-attributes.sh registers {registered}, code has {wanted}")
    others = [k.name for k in SEARCH_ATTRIBUTES if k.indexed_value_type.name != "KEYWORD"]
    if others:
        problems.append(f"search attributes not of type Keyword: {others}")
    if "--type Keyword" not in script:
        problems.append("register-search-attributes.sh does not register them as Keyword")


def main() -> int:
    problems: list[str] = []
    documented = check_env_example(problems)
    check_compose(problems, documented)
    check_gateway(problems, (ROOT / "docker-compose.yml").read_text())
    check_search_attributes(problems)
    for problem in problems:
        print(problem)
    if not problems:
        print(
            "deploy config: .env.example, docker-compose.yml and search attributes agree with "
            "the code"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
