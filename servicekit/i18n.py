"""The platform's language layer: gettext catalogs (French first, English) shared by the web
pages, the emails, the PDFs and the error messages, and Babel's dates and money in fr_CA/en_CA.

The catalogs are `servicekit/locale/<lang>/LC_MESSAGES/messages.po`, keyed by symbolic ids
(`login.title`, `status.active`, `error.not_pending`): French and English are both translations
of an id, so the seed's French wording is data and rewording it never breaks a lookup.
The `.mo` files are compiled from the `.po` at first use when missing or older (a fresh clone
needs no build step), in memory when the package folder is read-only.
"""

import gettext as _gettext
import os
import threading
from datetime import date
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency

from servicekit.messages import Message

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
DEFAULT_LANGUAGE: Language = "fr"  # French first: anything unknown is answered in French
LOCALES: dict[Language, str] = {"fr": "fr_CA", "en": "en_CA"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_compile_lock = threading.Lock()


def language_of(value: object) -> Language:
    """`en` for English, French for anything else (unknown or missing)."""
    return "en" if str(value or "").lower().startswith("en") else "fr"


def po_path(language: Language) -> Path:
    """The catalog a translator edits."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compiled(language: Language) -> bytes:
    """The `.mo` bytes of a catalog, written beside the `.po` when that folder is writable."""
    po, mo = po_path(language), po_path(language).with_suffix(".mo")
    with _compile_lock:
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            return mo.read_bytes()
        with po.open("rb") as source:
            catalog = read_po(source, locale=LOCALES[language])
        buffer = BytesIO()
        write_mo(buffer, catalog)
        try:  # atomically: processes starting together never read a half-written file
            partial = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
            partial.write_bytes(buffer.getvalue())
            os.replace(partial, mo)
        except OSError:
            pass  # an installed, read-only package: the compiled catalog lives in memory
        return buffer.getvalue()


def compile_catalogs() -> None:
    """Compile every `.po` into its `.mo` (`make locales`; also done at first use)."""
    for language in LANGUAGES:
        _compiled(language)


@cache
def translations(language: Language) -> _gettext.GNUTranslations:
    """The compiled catalog of one language."""
    return _gettext.GNUTranslations(BytesIO(_compiled(language)))


def has_message(msgid: str, language: Language = "fr") -> bool:
    """Whether the catalog of `language` translates `msgid`."""
    return translations(language).gettext(msgid) != msgid


def gettext(msgid: str, language: str) -> str:
    """The text of `msgid` in `language` (French when English lacks it)."""
    lang = language_of(language)
    text = translations(lang).gettext(msgid)
    if text == msgid and lang == "en":
        text = translations("fr").gettext(msgid)
    return text


def translate(msgid: str, language: str, **values: object) -> str:
    """`gettext`, then `{name}` placeholders filled from `values`."""
    text = gettext(msgid, language)
    return text.format(**values) if values else text


def bilingual(msgid: str, **values: object) -> Message:
    """The message in both languages, as the APIs answer it (`{"fr": ..., "en": ...}`)."""
    return {"fr": translate(msgid, "fr", **values), "en": translate(msgid, "en", **values)}


def plural(count: int) -> str:
    """`one` or `other`: the form a count takes in French and English (1 seconde, 2 secondes)."""
    return "one" if abs(count) <= 1 else "other"


def format_money(cents: int, language: str) -> str:
    """`6500` -> `65,00 $` (French) or `$65.00` (English), by Babel in fr_CA / en_CA.

    Babel puts a no-break space before the French dollar sign; the platform's pages, emails and
    PDFs (and their tests) keep an ordinary space there, so the wrapper swaps that one back."""
    amount = Decimal(cents) / 100
    text = format_currency(amount, "CAD", locale=LOCALES[language_of(language)])
    return text.replace("\u00a0$", " $") if language_of(language) == "fr" else text


def format_long_date(day: date, language: str) -> str:
    """`1er août 2022`, `9 février 2027` (French) or `February 9, 2027` (English), by Babel.

    CLDR writes `1 août`; French usage (and the seed) writes the first of the month `1er`."""
    lang = language_of(language)
    if lang == "en":
        return format_date(day, "MMMM d, y", locale=LOCALES["en"])
    text = format_date(day, "d MMMM y", locale=LOCALES["fr"])
    return f"1er{text[1:]}" if day.day == 1 else text
