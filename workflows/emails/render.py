"""Render a transactional email (subject, plain text, HTML) in the account's language."""

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"  # French first: anything unknown is answered in French
BRAND = "Société Parc-Auto du Québec"

SUBJECTS: dict[str, dict[str, str]] = {
    "verify_email": {
        "fr": "Confirmation de votre compte",
        "en": "Confirm your account",
    },
    "password_reset": {
        "fr": "Réinitialisation de votre mot de passe",
        "en": "Reset your password",
    },
    "signup_attempt": {
        "fr": "Tentative d'ouverture de compte avec votre adresse courriel",
        "en": "Attempt to open an account with your email address",
    },
    "password_changed": {
        "fr": "Votre mot de passe a été modifié",
        "en": "Your password was changed",
    },
}
LINK_REQUIRED = frozenset({"verify_email", "password_reset"})

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


class MissingLink(ValueError):
    """A verification or reset email was asked for without its link."""


@dataclass(frozen=True)
class RenderedEmail:
    """What `servicekit.mail.build_message` needs besides the recipient."""

    subject: str
    text: str
    html: str
    language: str


def language_of(value: str | None) -> str:
    """The template language for an account language (`fr-CA` -> `fr`, unknown -> `fr`)."""
    short = (value or "").split("-", 1)[0].strip().lower()
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


def render_email(
    kind: str, language: str | None, *, first_name: str | None = None, link: str | None = None
) -> RenderedEmail:
    """The email of `kind` in the account's language; raises if a required link is missing."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown email kind {kind!r}")
    if kind in LINK_REQUIRED and not link:
        raise MissingLink(kind)
    lang = language_of(language)
    subject = SUBJECTS[kind][lang]
    context = {
        "lang": lang,
        "brand": BRAND,
        "subject": subject,
        "first_name": (first_name or "").strip(),
        "link": link,
    }
    text = _env.get_template(f"{lang}/{kind}.txt").render(context)
    html = _env.get_template(f"{lang}/{kind}.html").render(context)
    return RenderedEmail(subject=subject, text=text, html=html, language=lang)
