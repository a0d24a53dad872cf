"""`python -m services.identity.cli create-operator`, run as a real process the way the compose
and Kubernetes first-operator jobs run it at every start."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def identity_database(tmp_path: Path) -> tuple[dict[str, str], Path]:
    path = tmp_path / "identity.db"
    env = {"IDENTITY_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}
    migrated = _run(["servicekit.migrate", "identity"], env)
    assert migrated.returncode == 0, migrated.stderr
    return env, path


def _password_hash(path: Path, email: str) -> str:
    with sqlite3.connect(path) as db:
        (found,) = db.execute(
            "SELECT password_hash FROM accounts WHERE email = ?", (email,)
        ).fetchone()
    return str(found)


def test_the_job_creates_the_operator_once_and_keeps_a_changed_password(identity_database):
    env, path = identity_database
    email = "agent@example.org"
    job = ["services.identity.cli", "create-operator", email, "--keep-existing"]

    first = _run(job, {**env, "OPERATOR_PASSWORD": "Premier-mot-de-passe-1"})
    assert first.returncode == 0, first.stderr
    assert f"operator created: {email}" in first.stdout
    created = _password_hash(path, email)

    # the next start, with whatever OPERATOR_PASSWORD is still in the environment
    again = _run(job, {**env, "OPERATOR_PASSWORD": "Autre-mot-de-passe-2"})
    assert again.returncode == 0, again.stderr
    assert f"operator unchanged: {email}" in again.stdout
    assert _password_hash(path, email) == created

    # by hand, without the flag: the password is set again (make operator)
    reset = _run(job[:-1], {**env, "OPERATOR_PASSWORD": "Autre-mot-de-passe-2"})
    assert f"operator promoted: {email}" in reset.stdout
    assert _password_hash(path, email) != created
