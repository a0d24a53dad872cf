"""The claim receipt email: French, and for a payer who paid on the English page, French then
English (RULES.md: English never before French). Labels follow the receipt PDF's.
"""

from dataclasses import dataclass
from datetime import datetime

from servicekit.clock import montreal_time
from servicekit.formats import long_date
from servicekit.money import format_cents
from workflows.emails.render import (
    BRAND,
    RenderedEmail,
    gettext_for,
    language_of,
    render_pair,
    subject,
)

KIND = "claim_receipt"


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
    local = montreal_time(paid_at)
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
    french, english = subject(KIND, "fr"), subject(KIND, "en")
    title = french if lang == "fr" else f"{french} / {english}"
    context = {
        "lang": "fr",  # the document's first language, whichever versions it holds
        "brand": BRAND,
        "subject": title,
        "receipt_number": facts.receipt_number,
        "number": facts.number,
        "plate": facts.plate,
        "site_id": facts.site_id,
        "fr": _labels(facts, "fr"),
        "en": _labels(facts, "en"),
        "labels": _labels(facts, "fr"),
        "french": gettext_for("fr"),
        "english": gettext_for("en"),
    }
    # French only, or French then English in one document (not a copy per language).
    name = KIND if lang == "fr" else f"{KIND}_bilingual"
    text, html = render_pair(name, "fr", context)
    return RenderedEmail(subject=title, text=text, html=html, language=lang)
