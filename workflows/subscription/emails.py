"""The subscription emails: subjects, labels and rendering in the account's language.

The templates live beside the account emails (`workflows/emails/templates/{fr,en}/subscription_*`)
and share their layout; labels follow the user guide ("Numéro de contrat", "Statut de
l'abonnement", "Début de l'abonnement: Jour de l'approbation"). Billing emails add the amounts
(`servicekit.money.format_cents`) and, for declines, the link to update the card; never a card or
bank account number (RULES.md, Email).
"""

from dataclasses import dataclass
from datetime import date

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from servicekit.formats import long_date
from servicekit.lifecycle import status_label
from servicekit.money import format_cents
from workflows.emails.render import BRAND, TEMPLATES, RenderedEmail, language_of
from workflows.subscription.models import (
    ServiceCentreEmailKind,
    SubscriptionState,
    UserEmailKind,
)

SUBJECTS: dict[str, dict[str, str]] = {
    "subscription_received": {
        "fr": "Votre demande d'abonnement a été reçue",
        "en": "Your subscription request was received",
    },
    "subscription_approved": {
        "fr": "Votre demande d'abonnement a été approuvée",
        "en": "Your subscription request was approved",
    },
    "subscription_refused": {
        "fr": "Votre demande d'abonnement a été refusée",
        "en": "Your subscription request was refused",
    },
    "subscription_withdrawn": {
        "fr": "Votre demande d'abonnement a été annulée",
        "en": "Your subscription request was withdrawn",
    },
    "subscription_expired": {
        "fr": "Votre demande d'abonnement a expiré",
        "en": "Your subscription request expired",
    },
    "subscription_cancellation_scheduled": {
        "fr": "Votre demande d'annulation a été reçue",
        "en": "Your cancellation request was received",
    },
    "subscription_cancellation_withdrawn": {
        "fr": "Votre demande d'annulation a été retirée",
        "en": "Your cancellation request was withdrawn",
    },
    "subscription_ended": {
        "fr": "Votre abonnement est terminé",
        "en": "Your subscription has ended",
    },
    "subscription_modification_applied": {
        "fr": "Votre demande de modification a été approuvée",
        "en": "Your modification request was approved",
    },
    "subscription_modification_refused": {
        "fr": "Votre demande de modification a été refusée",
        "en": "Your modification request was refused",
    },
    "payment_declined": {
        "fr": "Paiement refusé",
        "en": "Payment declined",
    },
    "subscription_in_arrears": {
        "fr": "Votre abonnement est en retard de paiement",
        "en": "Your subscription is in arrears",
    },
    "subscription_recovered": {
        "fr": "Paiement reçu : votre abonnement est de nouveau actif",
        "en": "Payment received: your subscription is active again",
    },
    "pad_prenotification": {
        "fr": "Avis de prélèvement préautorisé",
        "en": "Pre-authorized debit notice",
    },
    "subscription_reminder": {
        "fr": "Rappel : demande d'abonnement en attente d'approbation",
        "en": "Reminder: subscription request pending approval",
    },
    "subscription_modification_requested": {
        "fr": "Nouvelle demande de modification d'abonnement",
        "en": "New subscription modification request",
    },
}

# The status each email reports (by kind, not by the service's current status: a delayed
# "request received" still says "En attente d'approbation").
KIND_STATUS: dict[str, SubscriptionState] = {
    "subscription_received": "pending_approval",
    "subscription_approved": "active",
    "subscription_refused": "refused",
    "subscription_withdrawn": "withdrawn",
    "subscription_expired": "expired",
    "subscription_cancellation_scheduled": "active",
    "subscription_cancellation_withdrawn": "active",
    "subscription_ended": "ended",
    "subscription_modification_applied": "active",
    "subscription_modification_refused": "active",
    "payment_declined": "active",
    "subscription_in_arrears": "in_arrears",
    "subscription_recovered": "active",
    "pad_prenotification": "active",
    "subscription_reminder": "pending_approval",
    "subscription_modification_requested": "active",
}

# What a billing email cannot be sent without: a notice with no amount or no date says nothing.
REQUIRED: dict[str, tuple[str, ...]] = {
    "payment_declined": ("amount_cents", "update_card_url"),
    "subscription_in_arrears": ("amount_cents", "update_card_url"),
    "pad_prenotification": ("amount_cents", "debit_date"),
}
START_ON_APPROVAL = {"fr": "Jour de l'approbation", "en": "Day of approval"}
NO_END = {"fr": "Indéterminée", "en": "Not set"}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


class MissingEmailFact(ValueError):
    """A billing email was asked for without a fact it must state (amount, date or link)."""


@dataclass(frozen=True)
class EmailDetails:
    """What a subscription email shows: ids, dates, billing amounts and the name it greets."""

    contract_number: str
    subscription_id: str = ""
    first_name: str | None = None
    offering_name: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    reason: str | None = None
    effective_date: date | None = None
    waiting_days: int | None = None
    modification_id: str | None = None
    amount_cents: int | None = None
    debit_date: date | None = None
    monthly_cents: int | None = None
    next_attempt: date | None = None
    update_card_url: str | None = None


def _money(cents: int | None, lang: str) -> str | None:
    return format_cents(cents, lang) if cents is not None else None


def _day(day: date | None, lang: str) -> str | None:
    return long_date(day, lang) if day else None


def render_subscription_email(
    kind: UserEmailKind | ServiceCentreEmailKind, language: str | None, details: EmailDetails
) -> RenderedEmail:
    """The subscription email of `kind` in the account's language (French if unknown)."""
    missing = [name for name in REQUIRED.get(kind, ()) if getattr(details, name) is None]
    if missing:
        raise MissingEmailFact(f"{kind} without {', '.join(missing)}")
    lang = language_of(language)
    subject = SUBJECTS[kind][lang]
    end = details.end_date or details.effective_date
    context = {
        "lang": lang,
        "brand": BRAND,
        "subject": subject,
        "first_name": (details.first_name or "").strip(),
        "contract_number": details.contract_number,
        "subscription_id": details.subscription_id,
        "offering_name": details.offering_name,
        "status_label": status_label(KIND_STATUS[kind], lang),
        "start_label": (
            long_date(details.start_date, lang) if details.start_date else START_ON_APPROVAL[lang]
        ),
        "end_label": long_date(end, lang) if end else NO_END[lang],
        "reason": details.reason,
        "effective_label": _day(details.effective_date, lang),
        "waiting_days": details.waiting_days,
        "modification_id": details.modification_id,
        "amount_label": _money(details.amount_cents, lang),
        "monthly_label": _money(details.monthly_cents, lang),
        "debit_label": _day(details.debit_date, lang),
        "next_attempt_label": _day(details.next_attempt, lang),
        "update_card_url": details.update_card_url,
    }
    text = _env.get_template(f"{lang}/{kind}.txt").render(context)
    html = _env.get_template(f"{lang}/{kind}.html").render(context)
    return RenderedEmail(subject=subject, text=text, html=html, language=lang)
