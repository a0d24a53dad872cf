"""The actor token key reaches exactly the two components that sign and verify it, subscriptions
and the worker, and neither starts without it: compose refuses to interpolate an unset key, and
Kubernetes does not start a pod whose required Secret key is missing."""

import re

import pytest

from tests.test_compose_production_shape import SERVICES
from tests.test_kubernetes_manifests import KUSTOMIZATIONS, pod_spec, rendered

KEY = "PLATFORM_ACTOR_TOKEN_KEY"
HOLDERS = {"subscriptions", "worker"}


def test_compose_gives_the_key_to_subscriptions_and_the_worker_and_requires_it():
    holders = {name for name, s in SERVICES.items() if KEY in (s.get("environment") or {})}
    assert holders == HOLDERS
    for name in HOLDERS:
        value = SERVICES[name]["environment"][KEY]
        assert re.fullmatch(r"\$\{PLATFORM_ACTOR_TOKEN_KEY:\?[^}]+\}", value), value


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_kubernetes_gives_the_key_to_subscriptions_and_the_worker_from_a_required_secret(name):
    holders = {}
    for document in rendered(name):
        if document["kind"] not in {"Deployment", "Job"}:
            continue
        (container,) = pod_spec(document)["containers"]
        for env in container.get("env", []):
            if env["name"] == KEY:
                holders[document["metadata"]["name"]] = env["valueFrom"]["secretKeyRef"]
    assert set(holders) == HOLDERS
    for reference in holders.values():
        assert reference == {"name": "actor-token-secrets", "key": "actor-token-key"}
