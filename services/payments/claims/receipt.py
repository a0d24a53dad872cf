"""The receipt of a paid claim notice as a PDF (fpdf2): French, then English."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from servicekit import pdf
from servicekit.money import format_cents
from servicekit.pdf import PACKAGED_FONTS, Lines
from services.payments.claims.models import ClaimNotice, ClaimReceipt

MONTREAL = ZoneInfo("America/Montreal")
BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"}


def _day(day: date | datetime) -> str:
    if isinstance(day, datetime):
        local = day.astimezone(MONTREAL)
        return local.strftime("%Y-%m-%d %H:%M")
    return day.isoformat()


def _lines(receipt: ClaimReceipt, notice: ClaimNotice, language: str) -> Lines:
    brand = BRANDS.get(receipt.card_brand, receipt.card_brand.capitalize())
    amount = format_cents(receipt.amount_cents, language)
    if language == "en":
        return [
            ("h", "Payment receipt - Claim notice"),
            ("p", f"Receipt number: {receipt.number}"),
            ("p", f"Claim notice: {notice.number}"),
            ("p", f"Licence plate: {notice.plate}"),
            ("p", f"Parking site: #{notice.site_id}"),
            ("p", f"Notice date: {_day(notice.issued_on)}"),
            ("p", f"Amount paid: {amount} (as stated on the notice)"),
            ("p", f"Paid on: {_day(receipt.paid_at)} (Montréal time)"),
            ("p", f"Card: {brand} ending in {receipt.card_last4}"),
        ]
    return [
        ("h", "Reçu de paiement - Avis de réclamation"),
        ("p", f"Numéro de reçu : {receipt.number}"),
        ("p", f"Avis de réclamation : {notice.number}"),
        ("p", f"Numéro d'immatriculation : {notice.plate}"),
        ("p", f"Stationnement : #{notice.site_id}"),
        ("p", f"Date de l'avis : {_day(notice.issued_on)}"),
        ("p", f"Montant payé : {amount} (tel qu'indiqué sur l'avis)"),
        ("p", f"Payé le : {_day(receipt.paid_at)} (heure de Montréal)"),
        ("p", f"Carte : {brand} se terminant par {receipt.card_last4}"),
    ]


def render(receipt: ClaimReceipt, notice: ClaimNotice) -> bytes:
    """The receipt, French first then English (CPU-bound but tiny)."""
    pages = [_lines(receipt, notice, "fr"), _lines(receipt, notice, "en")]
    return pdf.render(f"Reçu {receipt.number}", pages, PACKAGED_FONTS)
