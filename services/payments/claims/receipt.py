"""The receipt of a paid claim notice as a PDF (fpdf2): French, then English."""

from datetime import date, datetime

from servicekit import pdf
from servicekit.cards import brand_label
from servicekit.clock import montreal_time
from servicekit.i18n import gettext, translate
from servicekit.money import format_cents
from servicekit.pdf import PACKAGED_FONTS, Lines, labelled
from services.payments.claims.models import ClaimNotice, ClaimReceipt


def _day(day: date | datetime) -> str:
    if isinstance(day, datetime):
        local = montreal_time(day)
        return local.strftime("%Y-%m-%d %H:%M")
    return day.isoformat()


def _lines(receipt: ClaimReceipt, notice: ClaimNotice, lang: str) -> Lines:
    brand = brand_label(receipt.card_brand)
    amount = translate(
        "claim_pdf.amount_value", lang, amount=format_cents(receipt.amount_cents, lang)
    )
    paid = translate("claim_pdf.paid_value", lang, time=_day(receipt.paid_at))
    card = translate("claim_pdf.card_value", lang, brand=brand, last4=receipt.card_last4)
    return [
        ("h", gettext("claim_pdf.title", lang)),
        ("p", labelled("claim_pdf.receipt_number", receipt.number, lang)),
        ("p", labelled("claim_pdf.notice", notice.number, lang)),
        ("p", labelled("claim_pdf.plate", notice.plate, lang)),
        ("p", labelled("claim_pdf.site", f"#{notice.site_id}", lang)),
        ("p", labelled("claim_pdf.notice_date", _day(notice.issued_on), lang)),
        ("p", labelled("claim_pdf.amount", amount, lang)),
        ("p", labelled("claim_pdf.paid_on", paid, lang)),
        ("p", labelled("claim_pdf.card", card, lang)),
    ]


def render(receipt: ClaimReceipt, notice: ClaimNotice) -> bytes:
    """The receipt, French first then English (CPU-bound but tiny)."""
    pages = [_lines(receipt, notice, "fr"), _lines(receipt, notice, "en")]
    title = translate("claim_pdf.document", "fr", number=receipt.number)
    return pdf.render(title, pages, PACKAGED_FONTS)
