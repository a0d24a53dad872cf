"""The subscription contract as a PDF (fpdf2): French, followed by English for English accounts.

French comes first and is never preceded by English (Charter of the French language); an account
whose language is English receives the French contract with its English version after it.
"""

from dataclasses import asdict, dataclass
from datetime import date

from servicekit import pdf, pdf_worker
from servicekit.formats import long_date
from servicekit.i18n import gettext, translate
from servicekit.money import back_out_taxes, format_cents
from servicekit.pdf import OPERATOR, Fonts, Lines, labelled

LATE_INTEREST = "18"


@dataclass(frozen=True)
class VehicleTerms:
    plate: str
    make: str
    model: str
    year: int
    color: str


@dataclass(frozen=True)
class ContractTerms:
    """Everything the contract states; built by the service from the subscription."""

    contract_number: str
    subscriber_name: str
    employee_number: str
    site_id: int
    establishment: str
    site_name: str
    site_address: str
    plate_site: bool
    offering_id: int
    offering_code: str
    offering_name: str
    description_fr: str
    description_en: str
    monthly_price_cents: int
    billing_mode: str
    start_date: date
    notice_days: int
    vehicles: tuple[VehicleTerms, ...]
    issued_on: date


def _billing(mode: str, language: str) -> str:
    return gettext(f"contract.billing.{'payroll' if mode == 'payroll' else 'pad'}", language)


def _parties(t: ContractTerms, lang: str) -> Lines:
    prevails = [("p", gettext("contract.prevails", lang))] if lang == "en" else []
    return [
        ("h", gettext("contract.title", lang)),
        *prevails,
        ("p", labelled("contract.number", t.contract_number, lang)),
        ("s", gettext("contract.parties", lang)),
        ("p", translate("contract.between", lang, operator=OPERATOR)),
        ("p", translate("contract.and", lang, name=t.subscriber_name, employee=t.employee_number)),
        ("s", gettext("contract.site_section", lang)),
        ("p", labelled("contract.site", f"#{t.site_id} {t.site_name} - {t.site_address}", lang)),
        ("p", labelled("contract.establishment", t.establishment, lang)),
    ]


def _service(t: ContractTerms, lang: str) -> Lines:
    taxes = back_out_taxes(t.monthly_price_cents)
    offering = f"{t.offering_code} - {t.offering_name} (#{t.offering_id})"
    return [
        ("s", gettext("contract.service", lang)),
        ("p", labelled("contract.description", offering, lang)),
        ("p", t.description_en if lang == "en" else t.description_fr),
        ("p", labelled("contract.billing", _billing(t.billing_mode, lang), lang)),
        ("p", labelled("contract.monthly", format_cents(t.monthly_price_cents, lang), lang)),
        (
            "p",
            translate(
                "contract.taxes",
                lang,
                pretax=format_cents(taxes.pretax_cents, lang),
                gst=format_cents(taxes.gst_cents, lang),
                qst=format_cents(taxes.qst_cents, lang),
            ),
        ),
        ("p", labelled("contract.start", long_date(t.start_date, lang), lang)),
        ("p", gettext("contract.end", lang)),
        ("s", gettext("contract.vehicles", lang)),
        *[("p", translate("contract.vehicle", lang, **asdict(v))) for v in t.vehicles],
    ]


def _access(t: ContractTerms, lang: str) -> Lines:
    if t.plate_site:
        return [
            ("s", gettext("contract.access", lang)),
            ("p", gettext("contract.access.plate", lang)),
        ]
    return [
        ("s", gettext("contract.access_document", lang)),
        ("p", gettext("contract.access_document.text", lang)),
    ]


def _clauses(t: ContractTerms, lang: str) -> Lines:
    return [
        ("s", gettext("contract.cancellation", lang)),
        ("p", translate("contract.cancellation.text", lang, notice=t.notice_days)),
        ("s", gettext("contract.payment", lang)),
        ("p", translate("contract.interest", lang, rate=LATE_INTEREST)),
        ("s", gettext("contract.approval", lang)),
        ("p", translate("contract.approved", lang, date=long_date(t.issued_on, lang))),
    ]


def _lines(t: ContractTerms, language: str) -> Lines:
    return (
        _parties(t, language) + _service(t, language) + _access(t, language) + _clauses(t, language)
    )


def document(terms: ContractTerms, language: str) -> tuple[str, list[Lines]]:
    """The contract's title and pages: French, then English when `language` is "en"."""
    pages = [_lines(terms, "fr")] + ([_lines(terms, "en")] if language == "en" else [])
    return translate("contract.document", "fr", number=terms.contract_number), pages


def render(terms: ContractTerms, language: str, fonts: Fonts, compress: bool = True) -> bytes:
    """The contract PDF, made here (CPU-bound: a service uses `render_apart`)."""
    return pdf.render(*document(terms, language), fonts, compress)


async def render_apart(terms: ContractTerms, language: str, fonts: Fonts) -> bytes:
    """The contract PDF, made by the renderer process (`servicekit.pdf_worker`)."""
    return await pdf_worker.render(*document(terms, language), fonts)
