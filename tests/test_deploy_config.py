"""The documented settings, compose file and search attributes agree with the code."""

import re
import runpy
import sys
from pathlib import Path

import pytest

CHECK = Path(__file__).resolve().parents[1] / "deploy" / "check_config.py"


def test_env_example_and_compose_name_every_setting_the_code_reads(capsys):
    sys.argv = [str(CHECK)]
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(CHECK), run_name="__main__")
    assert ended.value.code == 0, capsys.readouterr().out


def test_one_origin_for_the_portal_in_the_embedded_mode() -> None:
    """Email links use the setting's default; the README, the banner of `make run`, .env.example
    and compose send people to the same origin (another host is another cookie jar)."""
    from servicekit.settings import PlatformSettings

    root = CHECK.parents[1]
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
