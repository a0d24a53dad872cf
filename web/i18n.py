"""The web's language helpers over the shared gettext catalogs (`servicekit.i18n`).

Templates call `t('login.title')`; routes call `translator(language)` or `pick` for the
bilingual messages the services answer. The strings live in `servicekit/locale/*/messages.po`.
"""

from collections.abc import Callable
from datetime import date

from servicekit.formats import PROVINCES as PROVINCE_CODES
from servicekit.i18n import DEFAULT_LANGUAGE, format_long_date, format_money, has_message, translate
from servicekit.messages import Message

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGE_NAMES", "has_string", "province_names"]

# Each language named in itself (the same on every page).
LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}


def has_string(key: str) -> bool:
    """Whether the catalogs hold the UI string `key`."""
    return has_message(key, "fr")


def province_names(language: str) -> list[tuple[str, str]]:
    """The 13 provinces and territories as (code, name), in the page's language."""
    return [(code, translate(f"province.{code}", language)) for code in PROVINCE_CODES]


def pick(message: Message, language: str) -> str:
    """A bilingual message in the page's language, French when that one is missing."""
    return (message["en"] if language == "en" else "") or message["fr"]


def translator(language: str) -> Callable[..., str]:
    """`t(key, **values)` for templates and routes: the UI string, formatted."""

    def t(key: str, **values: object) -> str:
        if not has_string(key):
            raise KeyError(key)  # a typo fails loudly (the catalog test lists every key)
        return translate(key, language, **values)

    return t


def money(cents: int | None, language: str) -> str:
    """An amount in dollars as a person of that language writes it: `65,00 $` or `$65.00`."""
    return format_money(int(cents or 0), language)


def long_date(value: object, language: str) -> str:
    """`2023-09-01` (or a datetime's ISO form) as `1er septembre 2023` / `September 1, 2023`."""
    try:
        day = date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return str(value or "")
    return format_long_date(day, language)
