"""The lifecycle's words are spelled once, and every one a person may read has its label."""

import importlib
import pkgutil
from pathlib import Path
from typing import get_args

import pytest

import services
from servicekit import lifecycle
from servicekit.errors import DomainError
from servicekit.i18n import has_message
from services.subscriptions.contract import _billing
from services.subscriptions.errors import WORKFLOW_CODES, WORKFLOW_FIELD_CODES
from services.subscriptions.lifecycle import error_for_code
from workflows.subscription.emails import EmailDetails, render_subscription_email

ROOT = Path(__file__).resolve().parents[2]
# The user guide (README: `../shared/seed/`), beside the repository or its worktrees.
SEEDS = [folder / "shared" / "seed" / "000_05b821a00c799a47.txt" for folder in ROOT.parents[:3]]


def _all_error_classes() -> list[type[DomainError]]:
    for info in pkgutil.walk_packages(services.__path__, "services."):
        if ".migrations" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found, stack = [], [DomainError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize(
    ("words", "twin"),
    [
        (lifecycle.Status, lifecycle.StatusCode),
        (lifecycle.Action, lifecycle.ActionCode),
    ],
)
def test_each_typed_twin_lists_the_same_words(words: type, twin: object) -> None:
    assert list(get_args(twin)) == [w.value for w in words]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_status_action_and_actor_has_a_label(language: str) -> None:
    for status in lifecycle.Status:
        assert has_message(f"status.{status.value}", language), status
    for action in [lifecycle.REQUEST, *(a.value for a in lifecycle.Action)]:
        assert has_message(f"history.action.{action}", language), action
    for role in lifecycle.ActorRole:
        assert has_message(f"history.actor.{role.value}", language), role


def test_every_refusal_the_workflow_raises_keeps_its_own_code_and_message() -> None:
    """`cancellation_passed` used to fall back to « invalid_transition »."""
    for code in lifecycle.Refusal:
        body = error_for_code(code.value).body()
        assert body["error"] == code.value
        assert body["message"]["fr"] and body["message"]["en"]
    assert set(WORKFLOW_CODES) == {c.value for c in lifecycle.Refusal}
    assert set(WORKFLOW_FIELD_CODES) == {c.value for c in lifecycle.FieldRefusal}

    passed = error_for_code("cancellation_passed").body()["message"]
    assert passed["fr"] == "L'annulation a déjà pris effet : elle ne peut plus être retirée."


def test_every_domain_error_answers_in_french_and_english() -> None:
    generic = DomainError.message()
    for cls in _all_error_classes():
        own_body = any("body" in c.__dict__ for c in cls.__mro__[: cls.__mro__.index(DomainError)])
        if own_body and not (cls.message_id or cls.rule_code):
            continue  # renders its own words (a wait in seconds, a validation code's message)
        text = cls.message()  # a missing catalog entry answers its id in both languages
        assert text["fr"] and text["en"] and text["fr"] != text["en"], cls
        if cls.code != "bad_request":
            assert text != generic, f"{cls.__name__} keeps the generic message"


def test_the_emails_and_the_pages_say_the_same_english_status() -> None:
    email = render_subscription_email(
        "subscription_received", "en", EmailDetails(contract_number="10095259")
    )

    assert "Subscription status: Awaiting approval" in email.text
    assert lifecycle.status_labels("pending_approval")["en"] == "Awaiting approval"
    assert "Pending approval" not in email.text


def test_the_bank_debit_is_spelled_as_the_seed_spells_it() -> None:
    spelling = "Prélèvement pré-autorisé"
    for seed in (s for s in SEEDS if s.exists()):  # the guide, where this checkout has it
        assert f"{spelling} sur compte bancaire" in seed.read_text(encoding="utf-8")
    assert _billing("pad", "fr") == f"Mensuel - {spelling}"
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("web", "services", "workflows", "servicekit")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".po"}
        and "Prélèvement préautorisé" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
