"""The subscription emails: subjects, labels and rendering in the account's language.

The templates live beside the account emails (`workflows/emails/templates/{fr,en}/subscription_*`)
and share their layout; labels follow the user guide ("Numéro de contrat", "Statut de
l'abonnement", "Début de l'abonnement: Jour de l'approbation"). Billing emails add the amounts
(`servicekit.money.format_cents`) and, for declines, the link to update the card; never a card or
bank account number (RULES.md, Email).
"""

from dataclasses import dataclass
from datetime import date, datetime

from servicekit import pad_return_reasons
from servicekit.deadline import deadline_label
from servicekit.formats import long_date
from servicekit.i18n import gettext
from servicekit.lifecycle import status_label
from servicekit.money import format_cents
from workflows.emails.render import BRAND, RenderedEmail, language_of, render_pair, subject
from workflows.subscription.models import (
    ServiceCentreEmailKind,
    SubscriptionState,
    UserEmailKind,
)

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
    "pad_debit_returned": "active",
    "card_expiring": "active",
    "subscription_reminder": "pending_approval",
    "subscription_modification_requested": "active",
    "waitlist_offered": "pending_approval",
    "waitlist_lapsed": "pending_approval",
}

# What a billing email cannot be sent without: a notice with no amount or no date says nothing.
REQUIRED: dict[str, tuple[str, ...]] = {
    "payment_declined": ("amount_cents", "update_card_url"),
    "subscription_in_arrears": ("amount_cents", "update_card_url"),
    "pad_prenotification": ("amount_cents", "debit_date"),
    "pad_debit_returned": ("amount_cents", "return_reason", "bank_details_url"),
    "card_expiring": ("card_last_day", "update_card_url"),
    "waitlist_offered": ("offer_expires_at", "page_url"),
}


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
    card_unusable: bool = False  # a decline no retry fixes: the card must be replaced
    update_card_url: str | None = None
    return_reason: str | None = None  # a returned PAD debit: the bank's reason code
    new_details_needed: bool = False
    bank_details_url: str | None = None
    card_last4: str | None = None  # the card expiry reminder
    card_last_day: date | None = None
    offer_expires_at: datetime | None = None  # the waitlist's offer: its deadline
    page_url: str | None = None  # the subscription's page in the portal


def _money(cents: int | None, lang: str) -> str | None:
    return format_cents(cents, lang) if cents is not None else None


def _day(day: date | None, lang: str) -> str | None:
    return long_date(day, lang) if day else None


def _return_reason(code: str | None, lang: str) -> str | None:
    """The bank's reason for returning a debit, in words, with its code."""
    if code is None:
        return None
    return f"{gettext(pad_return_reasons.message_id(code), lang)} ({code})"


def render_subscription_email(
    kind: UserEmailKind | ServiceCentreEmailKind, language: str | None, details: EmailDetails
) -> RenderedEmail:
    """The subscription email of `kind` in the account's language (French if unknown)."""
    missing = [name for name in REQUIRED.get(kind, ()) if getattr(details, name) is None]
    if missing:
        raise MissingEmailFact(f"{kind} without {', '.join(missing)}")
    lang = language_of(language)
    title = subject(kind, lang)
    end = details.end_date or details.effective_date
    context = {
        "lang": lang,
        "brand": BRAND,
        "subject": title,
        "first_name": (details.first_name or "").strip(),
        "contract_number": details.contract_number,
        "subscription_id": details.subscription_id,
        "offering_name": details.offering_name,
        "status_label": status_label(KIND_STATUS[kind], lang),
        "start_label": (
            long_date(details.start_date, lang)
            if details.start_date
            else gettext("email.start_on_approval", lang)
        ),
        "end_label": long_date(end, lang) if end else gettext("email.no_end", lang),
        "reason": details.reason,
        "effective_label": _day(details.effective_date, lang),
        "waiting_days": details.waiting_days,
        "modification_id": details.modification_id,
        "amount_label": _money(details.amount_cents, lang),
        "monthly_label": _money(details.monthly_cents, lang),
        "debit_label": _day(details.debit_date, lang),
        "next_attempt_label": _day(details.next_attempt, lang),
        "card_unusable": details.card_unusable,
        "update_card_url": details.update_card_url,
        "reason_label": _return_reason(details.return_reason, lang),
        "new_details_needed": details.new_details_needed,
        "bank_details_url": details.bank_details_url,
        "card_last4": details.card_last4,
        "card_last_day_label": _day(details.card_last_day, lang),
        "deadline_label": deadline_label(details.offer_expires_at, lang),
        "page_url": details.page_url,
    }
    text, html = render_pair(kind, lang, context)
    return RenderedEmail(subject=title, text=text, html=html, language=lang)
