"""Bilingual messages (French first): their shape, and the validation codes' lookup."""

from typing import TypedDict


class Message(TypedDict):
    """A human message in both languages."""

    fr: str
    en: str


def message(fr: str, en: str) -> Message:
    """Build a bilingual message."""
    return {"fr": fr, "en": en}


# Pydantic's own error types and the custom codes our validators raise have their messages in
# the catalogs as `validation.<code>` (servicekit/locale); anything else reads « Valeur invalide. »


def lookup(code: str) -> Message:
    """The bilingual message for a validation code, « Valeur invalide. » when it has none."""
    from servicekit.i18n import bilingual, has_message  # Babel loads only where errors render

    msgid = f"validation.{code}"
    return bilingual(msgid if has_message(msgid) else "validation.value_error")
