"""Render a transactional email (subject, plain text, HTML) in the account's language."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup

from servicekit import i18n

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = i18n.LANGUAGES
DEFAULT_LANGUAGE = i18n.DEFAULT_LANGUAGE  # French first: anything unknown is answered in French
BRAND = "Société Parc-Auto du Québec"

LINK_REQUIRED = frozenset({"verify_email", "password_reset"})
ACCOUNT_KINDS = frozenset({"verify_email", "password_reset", "signup_attempt", "password_changed"})

# The one environment of every email: one template per email, its texts from the gettext
# catalogs (`{{ _("email.<kind>.<n>", name=value) }}`, new-style: `%(name)s` placeholders,
# values escaped in HTML), the language chosen per render by the `gettext` passed in.
ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    extensions=["jinja2.ext.i18n"],
)
ENV.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def gettext_for(language: str) -> Callable[..., str]:
    """The templates' `gettext` in one language (`_()` calls it)."""

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, msgid: str, **values: object) -> str:
        text = i18n.gettext(msgid, language)
        # The catalogs are ours (trusted markup); `Markup % values` escapes the values.
        return (Markup(text) if eval_ctx.autoescape else text) % values  # noqa: S704

    return gettext


def render_pair(name: str, language: str, context: Mapping[str, object]) -> tuple[str, str]:
    """The plain text and the HTML of the email template `name` in `language`."""
    values = {**context, "gettext": gettext_for(language)}
    text = ENV.get_template(f"{name}.txt").render(values)
    return text, ENV.get_template(f"{name}.html").render(values)


def subject(kind: str, language: str) -> str:
    """The subject of an email kind in `language`."""
    return i18n.gettext(f"email.subject.{kind}", language)


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
    if kind not in ACCOUNT_KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    if kind in LINK_REQUIRED and not link:
        raise MissingLink(kind)
    lang = language_of(language)
    title = subject(kind, lang)
    context = {
        "lang": lang,
        "brand": BRAND,
        "subject": title,
        "first_name": (first_name or "").strip(),
        "link": link,
    }
    text, html = render_pair(kind, lang, context)
    return RenderedEmail(subject=title, text=text, html=html, language=lang)
