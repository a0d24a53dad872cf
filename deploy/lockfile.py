"""The dependency lock: uv.lock (one resolution for every extra) exported to requirements/*.txt,
which pip installs with hashes (`make run`, `make test`, CI, the Dockerfile).

    python deploy/lockfile.py export   # after `uv lock` (make lock does both)
    python deploy/lockfile.py check    # exit 1 when pyproject.toml changed since the lock

Each exported file starts with the digest of pyproject.toml's dependency tables it was made
from, so a dependency added to pyproject.toml without `make lock` stops the install with the
command to run, instead of installing something other than what was declared. Standard library
only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK_DIR = ROOT / "requirements"
STAMP = "# pyproject-digest: "
# file -> uv export options: what each installation gets.
EXPORTS = {
    "runtime.txt": [],  # the production image: no embedded tools, no bench or test tools
    "embedded.txt": ["--extra", "embedded"],  # make run
    "dev.txt": ["--all-extras"],  # make test, CI, make bench
}


def pyproject_digest(path: Path = PYPROJECT) -> str:
    """sha256 of what a lock depends on: requires-python, dependencies, optional-dependencies."""
    project = tomllib.loads(path.read_text())["project"]
    tables = {
        key: project.get(key)
        for key in ("requires-python", "dependencies", "optional-dependencies")
    }
    return "sha256:" + hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()


def stamp_of(path: Path) -> str | None:
    first = path.read_text().splitlines()[:1] if path.is_file() else []
    return first[0].removeprefix(STAMP) if first and first[0].startswith(STAMP) else None


def export() -> None:
    """Write every requirements file from uv.lock, stamped with pyproject.toml's digest."""
    uv = Path(sys.executable).parent / "uv"
    LOCK_DIR.mkdir(exist_ok=True)
    digest = pyproject_digest()
    for name, options in EXPORTS.items():
        exported = subprocess.run(  # noqa: S603 (uv of this virtualenv, fixed arguments)
            [str(uv), "export", "--frozen", "--no-emit-project", "--quiet", *options],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (LOCK_DIR / name).write_text(f"{STAMP}{digest}\n{exported}")
        print(f"requirements/{name} written")


def problems() -> list[str]:
    digest = pyproject_digest()
    found = []
    for name in EXPORTS:
        stamp = stamp_of(LOCK_DIR / name)
        if stamp != digest:
            found.append(f"requirements/{name} was made from another pyproject.toml")
    return found


def check() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print(
            "pyproject.toml's dependencies changed since the lock: run `make lock` "
            "(needs PyPI), then commit uv.lock and requirements/.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "export":
        export()
        sys.exit(0)
    sys.exit(check())
