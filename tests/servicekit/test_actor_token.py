"""Actor tokens (servicekit/actor_token.py): what a verifier accepts and refuses, key rotation,
and the platform (the worker process too) refusing to start on a weak key."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from servicekit.actor_token import ActorTokenError, ActorTokenKeys, read_claims
from servicekit.settings import PlatformSettings

KEY = "a" * 32 + "-first-key"
NEW_KEY = "b" * 32 + "-rotated-in"
NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
WF = "subscription-1f0c"
ROOT = Path(__file__).resolve().parents[2]


def reason(keys: ActorTokenKeys, token: str | None, at: datetime = NOW, action: str = "decide"):
    with pytest.raises(ActorTokenError) as refused:
        keys.verify(token, WF, action, at)
    return refused.value.reason


def test_a_token_names_its_actor_workflow_and_update_until_it_expires() -> None:
    keys = ActorTokenKeys(KEY, 120)
    token = keys.issue("operator", "op-7", WF, "decide", NOW)

    claims = keys.verify(token, WF, "decide", NOW + timedelta(seconds=119))

    assert (claims.kind, claims.sub, claims.wf, claims.act) == ("operator", "op-7", WF, "decide")
    assert claims.exp - claims.iat == 120
    assert read_claims(token) == claims
    assert reason(keys, token, NOW + timedelta(seconds=120)) == "expired"
    assert reason(keys, token, action="withdraw") == "other_action"
    with pytest.raises(ActorTokenError) as refused:
        keys.verify(token, "subscription-other", "decide", NOW)
    assert refused.value.reason == "other_workflow"


def test_forged_tampered_and_malformed_tokens_are_refused() -> None:
    keys = ActorTokenKeys(KEY, 120)
    other = ActorTokenKeys("c" * 40, 120)
    token = keys.issue("user", "acct-1", WF, "decide", NOW)
    version, claims, signature = token.split(".")
    swapped = other.issue("operator", "acct-1", WF, "decide", NOW).split(".")[1]

    assert reason(keys, None) == "missing"
    assert reason(keys, "") == "missing"
    assert reason(keys, other.issue("user", "acct-1", WF, "decide", NOW)) == "forged"
    assert reason(keys, f"{version}.{swapped}.{signature}") == "forged"
    assert reason(keys, f"{version}.{claims}.") == "forged"
    assert reason(keys, f"v2.{claims}.{signature}") == "malformed"
    assert reason(keys, "v1.only-two") == "malformed"


def test_a_lifetime_longer_than_the_verifier_allows_is_refused() -> None:
    long_lived = ActorTokenKeys(KEY, 3600).issue("operator", "op-7", WF, "decide", NOW)

    assert reason(ActorTokenKeys(KEY, 120), long_lived) == "lifetime"


def test_during_a_rotation_the_new_key_signs_and_both_verify() -> None:
    old_token = ActorTokenKeys(KEY, 120).issue("operator", "op-7", WF, "decide", NOW)
    rotating = ActorTokenKeys(f"{NEW_KEY},{KEY}", 120)
    new_token = rotating.issue("operator", "op-7", WF, "decide", NOW)

    assert rotating.verify(old_token, WF, "decide", NOW).sub == "op-7"
    assert ActorTokenKeys(NEW_KEY, 120).verify(new_token, WF, "decide", NOW).sub == "op-7"
    assert reason(ActorTokenKeys(KEY, 120), new_token) == "forged"


@pytest.mark.parametrize("weak", ["", "short", f"{KEY},too-short"])
def test_the_platform_refuses_to_start_on_a_weak_key_without_echoing_it(
    weak: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLATFORM_ACTOR_TOKEN_KEY", weak)

    with pytest.raises(ValidationError) as refused:
        PlatformSettings(_env_file=None)  # type: ignore[call-arg]

    assert "actor_token_key" in str(refused.value)
    assert "too-short" not in str(refused.value)


def test_the_worker_process_stops_at_start_naming_the_weak_key() -> None:
    environment = os.environ | {
        "PLATFORM_ACTOR_TOKEN_KEY": "too-short",
        "WORKER_METRICS_PORT": "0",
        "WORKER_HEALTH_PORT": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "workflows.worker"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "actor_token_key" in done.stderr
    assert "too-short" not in done.stderr
