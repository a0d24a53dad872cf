"""Invoice and receipt PDFs (fpdf2): the French page first, then the English one.

The page layout and fonts are the contract's (`services.subscriptions.contract`), reused as is.
"""

from servicekit import pdf, pdf_worker
from servicekit.formats import long_date
from servicekit.i18n import gettext, translate
from servicekit.money import format_cents
from servicekit.pdf import OPERATOR, Fonts, Lines, labelled
from services.payments.models import Invoice

METHODS = ("card", "pad")


def _amounts(invoice: Invoice, lang: str) -> Lines:
    def line(label: str, cents: int) -> tuple[str, str]:
        return ("p", labelled(f"invoice_pdf.{label}", format_cents(cents, lang), lang))

    return [
        ("s", gettext("invoice_pdf.amounts", lang)),
        line("pretax", invoice.pretax_cents),
        line("gst", invoice.gst_cents),
        line("qst", invoice.qst_cents),
        line("total", invoice.total_cents),
    ]


def _header(invoice: Invoice, lang: str, receipt: bool) -> Lines:
    if receipt:
        title = translate("invoice_pdf.receipt_title", lang, number=invoice.receipt_number)
    else:
        title = translate("invoice_pdf.title", lang, number=invoice.number)
    period = f"{long_date(invoice.period_start, lang)} - {long_date(invoice.period_end, lang)}"
    status = gettext(f"invoice_pdf.status.{invoice.status}", lang)
    return [
        ("h", title),
        ("p", OPERATOR),
        ("p", labelled("invoice_pdf.invoice", invoice.number, lang)),
        ("p", labelled("invoice_pdf.date", long_date(invoice.created_at.date(), lang), lang)),
        ("p", labelled("invoice_pdf.description", invoice.description, lang)),
        ("p", labelled("invoice_pdf.period", period, lang)),
        ("p", labelled("invoice_pdf.status", status, lang)),
    ]


def _payment(invoice: Invoice, lang: str) -> Lines:
    if invoice.paid_at is None:
        return []
    paid = long_date(invoice.paid_at.date(), lang)
    if invoice.method_kind in METHODS and invoice.method_last4:
        method = gettext(f"invoice_pdf.method.{invoice.method_kind}", lang)
        paid += f" - {method} ****{invoice.method_last4}"
    return [
        ("s", gettext("invoice_pdf.payment", lang)),
        ("p", labelled("invoice_pdf.paid_on", paid, lang)),
    ]


def _lines(invoice: Invoice, lang: str, receipt: bool) -> Lines:
    payment = _payment(invoice, lang) if receipt else []
    return _header(invoice, lang, receipt) + _amounts(invoice, lang) + payment


def document(invoice: Invoice, receipt: bool = False) -> tuple[str, list[Lines]]:
    """The invoice's (or its receipt's) title and pages, French then English."""
    if receipt:
        title = translate("invoice_pdf.receipt_document", "fr", number=invoice.receipt_number)
    else:
        title = translate("invoice_pdf.document", "fr", number=invoice.number)
    return title, [_lines(invoice, "fr", receipt), _lines(invoice, "en", receipt)]


def render(invoice: Invoice, fonts: Fonts, receipt: bool = False, compress: bool = True) -> bytes:
    """The invoice (or its receipt) PDF, made here (CPU-bound: the service uses
    `render_apart`)."""
    return pdf.render(*document(invoice, receipt), fonts, compress)


async def render_apart(invoice: Invoice, fonts: Fonts, receipt: bool = False) -> bytes:
    """The same PDF, made by the renderer process (`servicekit.pdf_worker`)."""
    return await pdf_worker.render(*document(invoice, receipt), fonts)
