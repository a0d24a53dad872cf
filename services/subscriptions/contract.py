"""The subscription contract as a PDF (fpdf2): French, followed by English for English accounts.

French comes first and is never preceded by English (Charter of the French language); an account
whose language is English receives the French contract with its English version after it.
"""

from dataclasses import dataclass
from datetime import date

from servicekit import pdf
from servicekit.formats import long_date
from servicekit.money import back_out_taxes, format_cents
from servicekit.pdf import OPERATOR, Fonts, Lines

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
    if language == "en":
        return "Monthly - " + ("payroll deduction" if mode == "payroll" else "pre-authorized debit")
    return "Mensuel - " + (
        "DAS (Déduction à la source)" if mode == "payroll" else "Prélèvement pré-autorisé"
    )


def _parties_fr(t: ContractTerms) -> Lines:
    return [
        ("h", "Contrat d'abonnement au stationnement"),
        ("p", f"Numéro de contrat : {t.contract_number}"),
        ("s", "Parties"),
        ("p", f"Entre : {OPERATOR}, ci-après « la SPAQ »,"),
        (
            "p",
            f"et : {t.subscriber_name}, ci-après « l'abonné » "
            f"(numéro d'employé : {t.employee_number}).",
        ),
        ("s", "Coordonnées du stationnement ou de l'organisme"),
        ("p", f"Stationnement ou organisme : #{t.site_id} {t.site_name} - {t.site_address}"),
        ("p", f"Établissement : {t.establishment}"),
    ]


def _service_fr(t: ContractTerms) -> Lines:
    taxes = back_out_taxes(t.monthly_price_cents)
    return [
        ("s", "Détails du service"),
        ("p", f"Description : {t.offering_code} - {t.offering_name} (#{t.offering_id})"),
        ("p", t.description_fr),
        ("p", f"Facturation : {_billing(t.billing_mode, 'fr')}"),
        ("p", f"Mensualité (TTC) : {format_cents(t.monthly_price_cents)}"),
        (
            "p",
            f"dont prix avant taxes : {format_cents(taxes.pretax_cents)}; "
            f"TPS (5 %) : {format_cents(taxes.gst_cents)}; "
            f"TVQ (9,975 %) : {format_cents(taxes.qst_cents)}",
        ),
        ("p", f"Début de l'abonnement : {long_date(t.start_date, 'fr')}"),
        ("p", "Fin de l'abonnement : Indéterminée"),
        ("s", "Véhicules"),
        *[
            ("p", f"Immatriculation {v.plate} - {v.make} {v.model} {v.year}, {v.color}")
            for v in t.vehicles
        ],
    ]


def _access_fr(t: ContractTerms) -> Lines:
    if t.plate_site:
        return [
            ("s", "Accès"),
            (
                "p",
                "Ce stationnement reconnaît les plaques d'immatriculation : l'accès est "
                "accordé aux véhicules inscrits ci-dessus. Il est de votre responsabilité "
                "de maintenir vos véhicules à jour.",
            ),
        ]
    return [
        ("s", "Document d'accès"),
        (
            "p",
            "Si ce n'est pas déjà fait, veuillez prendre note que vous recevrez bientôt "
            "les informations concernant l'obtention de votre document d'accès.",
        ),
    ]


def _clauses_fr(t: ContractTerms) -> Lines:
    notice = t.notice_days
    return [
        ("s", "Clause d'annulation"),
        (
            "p",
            "L'abonné peut annuler son abonnement en tout temps en transmettant une demande "
            "d'annulation sur la plateforme Web SPAQ. L'annulation prend effet à la date "
            f"choisie par l'abonné, mais au plus tôt {notice} jours après la réception de la "
            f"demande (préavis de {notice} jours). Aucune période payée n'est remboursée.",
        ),
        ("s", "Paiement"),
        ("p", f"Tout solde impayé porte intérêt au taux de {LATE_INTEREST} % par année."),
        ("s", "Approbation"),
        ("p", f"Abonnement approuvé par la SPAQ. Contrat émis le {long_date(t.issued_on, 'fr')}."),
    ]


def _parties_en(t: ContractTerms) -> Lines:
    return [
        ("h", "Parking subscription contract (English version)"),
        ("p", "The French version above prevails."),
        ("p", f"Contract number: {t.contract_number}"),
        ("s", "Parties"),
        ("p", f'Between: {OPERATOR}, hereinafter "SPAQ",'),
        (
            "p",
            f'and: {t.subscriber_name}, hereinafter "the subscriber" '
            f"(employee number: {t.employee_number}).",
        ),
        ("s", "Parking site or organisation"),
        ("p", f"Parking site or organisation: #{t.site_id} {t.site_name} - {t.site_address}"),
        ("p", f"Establishment: {t.establishment}"),
    ]


def _service_en(t: ContractTerms) -> Lines:
    taxes = back_out_taxes(t.monthly_price_cents)
    return [
        ("s", "Service details"),
        ("p", f"Description: {t.offering_code} - {t.offering_name} (#{t.offering_id})"),
        ("p", t.description_en),
        ("p", f"Billing: {_billing(t.billing_mode, 'en')}"),
        ("p", f"Monthly price (taxes included): {format_cents(t.monthly_price_cents, 'en')}"),
        (
            "p",
            f"of which pre-tax price: {format_cents(taxes.pretax_cents, 'en')}; "
            f"GST (5%): {format_cents(taxes.gst_cents, 'en')}; "
            f"QST (9.975%): {format_cents(taxes.qst_cents, 'en')}",
        ),
        ("p", f"Subscription start: {long_date(t.start_date, 'en')}"),
        ("p", "Subscription end: Indefinite"),
        ("s", "Vehicles"),
        *[("p", f"Plate {v.plate} - {v.make} {v.model} {v.year}, {v.color}") for v in t.vehicles],
    ]


def _access_en(t: ContractTerms) -> Lines:
    if t.plate_site:
        return [
            ("s", "Access"),
            (
                "p",
                "This parking site recognises licence plates: access is granted to the "
                "vehicles listed above. Keeping your vehicles up to date is your "
                "responsibility.",
            ),
        ]
    return [
        ("s", "Access document"),
        (
            "p",
            "If not already done, please note that you will soon receive the "
            "information about obtaining your access document.",
        ),
    ]


def _clauses_en(t: ContractTerms) -> Lines:
    notice = t.notice_days
    return [
        ("s", "Cancellation clause"),
        (
            "p",
            "The subscriber may cancel the subscription at any time by sending a "
            "cancellation request on the SPAQ web platform. The cancellation takes effect "
            f"on the date the subscriber chooses, but no earlier than {notice} days after "
            f"the request is received ({notice} days' notice). No paid period is refunded.",
        ),
        ("s", "Payment"),
        ("p", f"Any unpaid balance bears interest at {LATE_INTEREST}% per year."),
        ("s", "Approval"),
        ("p", f"Subscription approved by SPAQ. Contract issued on {long_date(t.issued_on, 'en')}."),
    ]


def _lines(t: ContractTerms, language: str) -> Lines:
    if language == "en":
        return _parties_en(t) + _service_en(t) + _access_en(t) + _clauses_en(t)
    return _parties_fr(t) + _service_fr(t) + _access_fr(t) + _clauses_fr(t)


def render(terms: ContractTerms, language: str, fonts: Fonts, compress: bool = True) -> bytes:
    """The contract PDF: French, then English when `language` is "en" (CPU-bound: run in a
    thread)."""
    pages = [_lines(terms, "fr")] + ([_lines(terms, "en")] if language == "en" else [])
    return pdf.render(f"Contrat {terms.contract_number}", pages, fonts, compress)
