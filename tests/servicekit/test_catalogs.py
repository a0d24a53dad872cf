"""The gettext catalogs: every message the code and templates use exists in French and English."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from servicekit import i18n
from servicekit.i18n import LANGUAGES, LOCALES, po_path

ROOT = Path(__file__).resolve().parents[2]


def _catalog(language: str) -> dict[str, str]:
    with po_path(language).open("rb") as source:  # type: ignore[arg-type]
        catalog = read_po(source, locale=LOCALES[language])
    return {str(m.id): str(m.string) for m in catalog if m.id}


def _extracted(tmp_path: Path) -> set[str]:
    """`pybabel extract` over the code and the templates, as a translator would run it."""
    pot = tmp_path / "messages.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
    command += ["-k", "t", "-k", "N_", "-o", str(pot), "--no-location", "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as source:
        return {str(m.id) for m in read_po(source) if m.id}


def test_every_message_has_its_french_and_english_text(tmp_path: Path) -> None:
    used = _extracted(tmp_path)
    assert len(used) > 400  # the extraction found the pages' strings
    for language in LANGUAGES:
        catalog = _catalog(language)
        missing = sorted(msgid for msgid in used if not catalog.get(msgid))
        assert missing == [], f"missing in {language}: {missing[:20]}"


def test_both_catalogs_hold_the_same_messages_none_empty() -> None:
    french, english = _catalog("fr"), _catalog("en")
    assert set(french) == set(english)
    assert [k for k, v in french.items() if not v] == []
    assert [k for k, v in english.items() if not v] == []


def test_a_fresh_clone_compiles_its_catalogs_at_first_use(tmp_path: Path, monkeypatch) -> None:
    """No `.mo` in the repository: the first lookup compiles each `.po` beside it."""
    for language in LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES" / "messages.po"
        target.parent.mkdir(parents=True)
        target.write_bytes(po_path(language).read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.gettext("login.title", "fr") == "Connexion"
        assert i18n.gettext("login.title", "en") == "Log in"
        assert (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").is_file()
    finally:
        monkeypatch.undo()
        i18n.translations.cache_clear()
