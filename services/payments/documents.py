"""Invoice and receipt PDFs (fpdf2): the French page first, then the English one.

The page layout and fonts are the contract's (`services.subscriptions.contract`), reused as is.
"""

from servicekit import pdf
from servicekit.formats import long_date
from servicekit.money import format_cents
from servicekit.pdf import OPERATOR, Fonts, Lines
from services.payments.models import Invoice

STATUS = {
    "paid": ("Payée", "Paid"),
    "unpaid": ("Impayée", "Unpaid"),
    "credited": ("Créditée", "Credited"),
    "payroll": ("Déduction à la source (DAS)", "Payroll deduction"),
}
METHOD = {"card": ("Carte de crédit", "Credit card"), "pad": ("Prélèvement", "Debit")}


def _line(language: str, fr: str, en: str, value: str) -> tuple[str, str]:
    """A labelled paragraph, with each language's colon spacing."""
    return ("p", f"{fr} : {value}" if language == "fr" else f"{en}: {value}")


def _amounts(invoice: Invoice, lang: str) -> Lines:
    def money(cents: int) -> str:
        return format_cents(cents, lang)

    return [
        ("s", "Montants" if lang == "fr" else "Amounts"),
        _line(lang, "Prix avant taxes", "Pre-tax price", money(invoice.pretax_cents)),
        _line(lang, "TPS (5 %)", "GST (5%)", money(invoice.gst_cents)),
        _line(lang, "TVQ (9,975 %)", "QST (9.975%)", money(invoice.qst_cents)),
        _line(lang, "Total (taxes incluses)", "Total (taxes included)", money(invoice.total_cents)),
    ]


def _header(invoice: Invoice, lang: str, receipt: bool) -> Lines:
    fr = lang == "fr"
    if receipt:
        title = f"{'Reçu' if fr else 'Receipt'} {invoice.receipt_number}"
    else:
        title = f"{'Facture' if fr else 'Invoice'} {invoice.number}"
    period = f"{long_date(invoice.period_start, lang)} - {long_date(invoice.period_end, lang)}"
    return [
        ("h", title if fr else f"{title} (English version)"),
        ("p", OPERATOR),
        _line(lang, "Facture", "Invoice", invoice.number),
        _line(lang, "Date", "Date", long_date(invoice.created_at.date(), lang)),
        _line(lang, "Description", "Description", invoice.description),
        _line(lang, "Période", "Period", period),
        _line(lang, "Statut", "Status", STATUS[invoice.status][0 if fr else 1]),
    ]


def _payment(invoice: Invoice, lang: str) -> Lines:
    if invoice.paid_at is None:
        return []
    fr = lang == "fr"
    paid = long_date(invoice.paid_at.date(), lang)
    method = METHOD.get(invoice.method_kind or "")
    if method and invoice.method_last4:
        paid += f" - {method[0 if fr else 1]} ****{invoice.method_last4}"
    return [("s", "Paiement" if fr else "Payment"), _line(lang, "Payé le", "Paid on", paid)]


def _lines(invoice: Invoice, lang: str, receipt: bool) -> Lines:
    payment = _payment(invoice, lang) if receipt else []
    return _header(invoice, lang, receipt) + _amounts(invoice, lang) + payment


def render(invoice: Invoice, fonts: Fonts, receipt: bool = False, compress: bool = True) -> bytes:
    """The invoice (or its receipt) PDF, French then English (CPU-bound: run in a thread)."""
    number = invoice.receipt_number if receipt else invoice.number
    title = f"{'Reçu' if receipt else 'Facture'} {number}"
    pages = [_lines(invoice, "fr", receipt), _lines(invoice, "en", receipt)]
    return pdf.render(title, pages, fonts, compress)
