"""The claim receipt email: French, and for a payer who paid on the English page, French then
English (RULES.md: English never before French). Labels follow the receipt PDF's.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from servicekit.formats import long_date
from servicekit.money import format_cents
from workflows.emails.render import BRAND, TEMPLATES, RenderedEmail, language_of

KIND = "claim_receipt"
MONTREAL = ZoneInfo("America/Montreal")
SUBJECTS = {
    "fr": "Reçu de paiement de votre avis de réclamation",
    "en": "Payment receipt for your claim notice",
}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receipt email states (the payer's address is not among them)."""

    receipt_number: str
    number: str
    plate: str
    site_id: int
    amount_cents: int
    paid_at: datetime


def _paid_label(paid_at: datetime, lang: str) -> str:
    local = paid_at.astimezone(MONTREAL)
    time = local.strftime("%H:%M") if lang == "en" else local.strftime("%H h %M")
    return f"{long_date(local.date(), lang)}, {time}"


def _labels(facts: ReceiptFacts, lang: str) -> dict[str, str]:
    return {
        "amount": format_cents(facts.amount_cents, lang),
        "paid": _paid_label(facts.paid_at, lang),
    }


def render_claim_receipt(language: str | None, facts: ReceiptFacts) -> RenderedEmail:
    """The receipt email: French, or French then English when the payer's page was English."""
    lang = language_of(language)
    subject = SUBJECTS["fr"] if lang == "fr" else f"{SUBJECTS['fr']} / {SUBJECTS['en']}"
    context = {
        "lang": "fr",  # the document's first language, whichever versions it holds
        "brand": BRAND,
        "subject": subject,
        "receipt_number": facts.receipt_number,
        "number": facts.number,
        "plate": facts.plate,
        "site_id": facts.site_id,
        "fr": _labels(facts, "fr"),
        "en": _labels(facts, "en"),
    }
    text = _env.get_template(f"{lang}/{KIND}.txt").render(context)
    html = _env.get_template(f"{lang}/{KIND}.html").render(context)
    return RenderedEmail(subject=subject, text=text, html=html, language=lang)
