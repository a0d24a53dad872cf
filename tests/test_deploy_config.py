"""The documented settings, compose file and search attributes agree with the code."""

import re
import runpy
import sys
from pathlib import Path

import pytest
import yaml

from servicekit.temporal_ui import CODEC_ENDPOINT, PUBLIC_PATH

CHECK = Path(__file__).resolve().parents[1] / "deploy" / "check_config.py"


def test_env_example_and_compose_name_every_setting_the_code_reads(capsys):
    sys.argv = [str(CHECK)]
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(CHECK), run_name="__main__")
    assert ended.value.code == 0, capsys.readouterr().out


ROOT = CHECK.parents[1]
# What every deployment of the Temporal UI sets (docs/temporal-ui.md).
TEMPORAL_UI_SETTINGS = {
    "TEMPORAL_UI_PUBLIC_PATH": PUBLIC_PATH,
    "TEMPORAL_CODEC_ENDPOINT": CODEC_ENDPOINT,
    "TEMPORAL_DISABLE_WRITE_ACTIONS": "true",
    "TEMPORAL_WORKFLOW_TERMINATE_DISABLED": "true",
    "TEMPORAL_WORKFLOW_CANCEL_DISABLED": "true",
    "TEMPORAL_WORKFLOW_SIGNAL_DISABLED": "true",
    "TEMPORAL_WORKFLOW_RESET_DISABLED": "true",
    "TEMPORAL_START_WORKFLOW_DISABLED": "true",
    "TEMPORAL_BATCH_ACTIONS_DISABLED": "true",
}


def test_compose_and_helm_serve_the_temporal_ui_under_temporal_read_only() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    helm = yaml.safe_load((ROOT / "deploy/temporal/values.yaml").read_text())["web"]
    helm_env = {e["name"]: e["value"] for e in helm["additionalEnv"]}
    for name, value in TEMPORAL_UI_SETTINGS.items():
        assert compose["temporal-ui"]["environment"][name] == value, name
        assert helm_env[name] == value, name
    # the bare UI on loopback only; the portal and /temporal/ through the gateway alone
    assert compose["temporal-ui"]["ports"] == ["127.0.0.1:8233:8080"]
    assert helm["ingress"]["enabled"] is False
    assert "ports" not in compose["web"]
    # the portal's origin, and the sandbox's hosted card page's (its own port, its own origin)
    assert compose["gateway"]["ports"] == ["8000:8000", "8005:8005"]
    assert compose["web"]["environment"]["WEB_TEMPORAL_UI_UPSTREAM"] == ""


def test_one_origin_for_the_portal_in_the_embedded_mode() -> None:
    """Email links use the setting's default; the README, the banner of `make run`, .env.example
    and compose send people to the same origin (another host is another cookie jar)."""
    from servicekit.settings import PlatformSettings

    root = ROOT
    origin = PlatformSettings.model_fields["public_web_origin"].default
    assert origin == "http://localhost:8000"
    readme = (root / "README.md").read_text()
    assert f"| {origin} | the portal" in readme
    banner = (root / "Makefile").read_text()
    assert re.search(rf"Portail \(web\)\s+{re.escape(origin)}\"", banner)
    assert f"PLATFORM_PUBLIC_WEB_ORIGIN={origin}\n" in (root / ".env.example").read_text()
    assert f"PLATFORM_PUBLIC_WEB_ORIGIN:-{origin}}}" in (root / "docker-compose.yml").read_text()
    for doc in [root / "README.md", root / "Makefile", *sorted((root / "docs").glob("*.md"))]:
        assert "127.0.0.1:8000" not in doc.read_text(), doc


COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()


def gateway_problems(text: str) -> list[str]:
    sys.path.insert(0, str(CHECK.parent))
    from check_config import check_gateway

    problems: list[str] = []
    check_gateway(problems, text)
    return problems


def test_the_compose_gateway_serves_its_templates_and_the_hosted_card_origin() -> None:
    assert gateway_problems(COMPOSE_TEXT) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('      HOSTED_CARD_LISTEN: "8005"\n', "", "${HOSTED_CARD_LISTEN} of its templates"),
        ("_(UPSTREAM|LISTEN|SERVER_NAME)$$", "_UPSTREAM$$", "leaves ${HOSTED_CARD_LISTEN}"),
        (
            "HOSTED_CARD_UPSTREAM: hosted-card:8005",
            "HOSTED_CARD_UPSTREAM: hosted-card:8006",
            "8006",
        ),
        (
            "nginx/hosted-card/hosted-card.conf",
            "nginx/hosted-card/hosted-cards.conf",
            "does not exist",
        ),
        ('      - "8005:8005"\n', "", "hosted card page's origin (port 8005)"),
        ("CARD_ORIGIN:-http://localhost:8005}", "CARD_ORIGIN:-http://localhost:8443}", "8443"),
    ],
)
def test_the_gateway_check_catches_a_broken_gateway(old: str, new: str, problem: str) -> None:
    assert COMPOSE_TEXT.count(old) == 1, old
    problems = gateway_problems(COMPOSE_TEXT.replace(old, new))
    assert [p for p in problems if problem in p], problems
