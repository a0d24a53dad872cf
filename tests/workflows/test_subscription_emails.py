"""Subscription email templates: every kind in French and English, with the guide's labels."""

import dataclasses
import re
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest

from servicekit.formats import long_date
from tests.workflows import subscription_services
from tests.workflows.subscription_services import Real, run
from workflows.emails.render import RenderedEmail
from workflows.subscription.emails import (
    EmailDetails,
    MissingEmailFact,
    render_subscription_email,
)
from workflows.subscription.models import UserEmailInput

real = subscription_services.real  # the shared fixture (real services, real SMTP)

# Each email's subject, French then English (the wording the catalogs must keep).
SUBJECTS = {
    "waitlist_offered": ("Une place vous est offerte", "A space is offered to you"),
    "waitlist_lapsed": (
        "Votre place offerte n'a pas été confirmée",
        "The space offered to you was not confirmed",
    ),
    "subscription_received": (
        "Votre demande d'abonnement a été reçue",
        "Your subscription request was received",
    ),
    "subscription_approved": (
        "Votre demande d'abonnement a été approuvée",
        "Your subscription request was approved",
    ),
    "subscription_refused": (
        "Votre demande d'abonnement a été refusée",
        "Your subscription request was refused",
    ),
    "subscription_withdrawn": (
        "Votre demande d'abonnement a été annulée",
        "Your subscription request was withdrawn",
    ),
    "subscription_expired": (
        "Votre demande d'abonnement a expiré",
        "Your subscription request expired",
    ),
    "subscription_cancellation_scheduled": (
        "Votre demande d'annulation a été reçue",
        "Your cancellation request was received",
    ),
    "subscription_cancellation_withdrawn": (
        "Votre demande d'annulation a été retirée",
        "Your cancellation request was withdrawn",
    ),
    "subscription_ended": (
        "Votre abonnement est terminé",
        "Your subscription has ended",
    ),
    "subscription_modification_applied": (
        "Votre demande de modification a été approuvée",
        "Your modification request was approved",
    ),
    "subscription_modification_refused": (
        "Votre demande de modification a été refusée",
        "Your modification request was refused",
    ),
    "payment_declined": (
        "Paiement refusé",
        "Payment declined",
    ),
    "subscription_in_arrears": (
        "Votre abonnement est en retard de paiement",
        "Your subscription is in arrears",
    ),
    "subscription_recovered": (
        "Paiement reçu : votre abonnement est de nouveau actif",
        "Payment received: your subscription is active again",
    ),
    "pad_prenotification": (
        "Avis de prélèvement préautorisé",
        "Pre-authorized debit notice",
    ),
    "subscription_reminder": (
        "Rappel : demande d'abonnement en attente d'approbation",
        "Reminder: subscription request pending approval",
    ),
    "subscription_modification_requested": (
        "Nouvelle demande de modification d'abonnement",
        "New subscription modification request",
    ),
}

BRAND = "Société Parc-Auto du Québec"
DETAILS = EmailDetails(
    contract_number="10095259",
    subscription_id="sub-1",
    first_name="Léa",
    start_date=date(2027, 1, 12),
    reason="Motif <précis>",
    effective_date=date(2027, 2, 9),
    waiting_days=3,
    modification_id="m1",
    amount_cents=6500,
    debit_date=date(2027, 3, 1),
    monthly_cents=6500,
    next_attempt=date(2027, 3, 4),
    update_card_url="https://portail.test/mon-abonnement/sub-1/carte",
    offer_expires_at=datetime(2027, 3, 4, 19, 5, tzinfo=UTC),
    page_url="https://portail.test/mon-abonnement/sub-1",
)


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_subscription_email_exists_in_both_languages(kind: str, language: str) -> None:
    email = render_subscription_email(kind, language, DETAILS)  # type: ignore[arg-type]

    assert email.subject == SUBJECTS[kind][language == "en"]
    assert BRAND in email.text and BRAND in email.html
    assert "10095259" in email.text and "10095259" in email.html
    assert f'<html lang="{language}">' in email.html
    assert ("Bonjour Léa," if language == "fr" else "Hello Léa,") in email.text
    assert "{{" not in email.text and "{%" not in email.html


def test_request_received_reads_like_the_guide() -> None:
    email = render_subscription_email(
        "subscription_received", "fr", EmailDetails(contract_number="10095259")
    )

    assert email.subject == "Votre demande d'abonnement a été reçue"
    assert "Statut de l'abonnement : En attente d'approbation" in email.text
    assert "Début de l'abonnement : Jour de l'approbation" in email.text
    assert "Fin de l'abonnement : Indéterminée" in email.text
    assert email.text.startswith("Bonjour,")


def test_reasons_are_escaped_in_html_only() -> None:
    email = render_subscription_email("subscription_refused", "fr", DETAILS)

    assert "Motif : Motif <précis>" in email.text
    assert "Motif &lt;précis&gt;" in email.html


def test_dates_in_each_language() -> None:
    assert long_date(date(2027, 2, 9), "fr") == "9 février 2027"
    assert long_date(date(2022, 8, 1), "fr") == "1er août 2022"
    assert long_date(date(2027, 2, 9), "en") == "February 9, 2027"


CARD_URL = "https://portail.test/mon-abonnement/sub-1/carte"
BILLING = dataclasses.replace(DETAILS, reason=None, effective_date=None)
BILLING_KINDS = [
    "payment_declined",
    "subscription_in_arrears",
    "subscription_recovered",
    "pad_prenotification",
]


def no_account_number(email: RenderedEmail, contract_number: str = "10095259") -> bool:
    """No run of 7 digits or more (a bank account, a card) besides the contract number."""
    runs = re.compile(r"\d(?:[ \u00a0-]?\d){6,}")
    return not any(
        runs.search(part.replace(contract_number, ""))
        for part in (email.subject, email.text, email.html)
    )


def test_declined_payment_in_french() -> None:
    email = render_subscription_email("payment_declined", "fr", BILLING)

    assert email.subject == "Paiement refusé"
    assert "Le paiement de 65,00 $ pour votre abonnement a été refusé" in email.text
    assert "solde de votre compte (Solde)" in email.text
    assert "Nous tenterons à nouveau le paiement le 4 mars 2027." in email.text
    assert f"Mettre à jour la carte de crédit : {CARD_URL}" in email.text
    assert "Statut de l'abonnement : Actif" in email.text
    assert f'href="{CARD_URL}"' in email.html and "Mettre à jour la carte de crédit" in email.html
    assert "65,00 $" in email.html and "4 mars 2027" in email.html
    assert no_account_number(email)


def test_declined_payment_in_english() -> None:
    email = render_subscription_email("payment_declined", "en", BILLING)

    assert email.subject == "Payment declined"
    assert "The payment of $65.00 for your subscription was declined" in email.text
    assert "We will try the payment again on March 4, 2027." in email.text
    assert f"Update the credit card: {CARD_URL}" in email.text
    assert "Subscription status: Active" in email.text
    assert f'href="{CARD_URL}"' in email.html and '<html lang="en">' in email.html


def test_the_last_declined_attempt_announces_no_retry() -> None:
    last = dataclasses.replace(BILLING, next_attempt=None)

    for language in ("fr", "en"):
        email = render_subscription_email("payment_declined", language, last)
        assert "tenterons" not in email.text and "try the payment again" not in email.text
        assert "tenterons" not in email.html and "try the payment again" not in email.html
        assert CARD_URL in email.text and f'href="{CARD_URL}"' in email.html


def test_arrears_suspend_access_until_the_balance_is_paid() -> None:
    owed = dataclasses.replace(BILLING, amount_cents=13000)
    french = render_subscription_email("subscription_in_arrears", "fr", owed)
    english = render_subscription_email("subscription_in_arrears", "en", owed)

    assert french.subject == "Votre abonnement est en retard de paiement"
    assert "Statut de l'abonnement : En retard de paiement" in french.text
    assert "suspendu jusqu'au paiement de votre solde de 130,00 $" in french.text
    assert "tous les 7 jours" in french.text
    assert f"Mettre à jour la carte de crédit : {CARD_URL}" in french.text
    assert "En retard de paiement" in french.html and f'href="{CARD_URL}"' in french.html
    assert english.subject == "Your subscription is in arrears"
    assert "Subscription status: In arrears" in english.text
    assert "suspended until your balance of $130.00 is paid" in english.text
    assert "every 7 days" in english.text and f"Update the credit card: {CARD_URL}" in english.text
    assert no_account_number(french) and no_account_number(english)


def test_recovery_says_the_subscription_is_active_again() -> None:
    french = render_subscription_email("subscription_recovered", "fr", BILLING)
    english = render_subscription_email("subscription_recovered", "en", BILLING)

    assert "Nous avons bien reçu votre paiement de 65,00 $" in french.text
    assert "votre abonnement est de nouveau actif" in french.text
    assert "Statut de l'abonnement : Actif" in french.text
    assert "your subscription is active again" in english.text
    assert "Subscription status: Active" in english.text
    assert CARD_URL not in french.text  # nothing left to do


def test_pad_prenotification_names_the_debit_and_the_monthly_amount() -> None:
    notice = dataclasses.replace(
        BILLING, amount_cents=123456, debit_date=date(2027, 3, 1), monthly_cents=6500
    )
    french = render_subscription_email("pad_prenotification", "fr", notice)
    english = render_subscription_email("pad_prenotification", "en", notice)

    assert french.subject == "Avis de prélèvement préautorisé"
    assert "nous prélèverons 1\u00a0234,56 $ (taxes incluses)" in french.text
    assert "de votre compte bancaire le 1er mars 2027" in french.text
    assert "Par la suite, nous prélèverons 65,00 $ (taxes incluses) le 1er de chaque mois." in (
        french.text
    )
    assert "préavis d'au plus 30 jours" in french.text
    assert "Bénéficiaire : Société Parc-Auto du Québec" in french.text
    assert "1\u00a0234,56 $" in french.html and "1er mars 2027" in french.html
    assert english.subject == "Pre-authorized debit notice"
    assert "we will debit $1,234.56 (taxes included)" in english.text
    assert "from your bank account on March 1, 2027" in english.text
    assert "we will debit $65.00 (taxes included) on the 1st of each month" in english.text
    assert "at most 30 days' notice" in english.text
    assert no_account_number(french) and no_account_number(english)


def test_a_final_debit_notice_announces_no_monthly_amount() -> None:
    final = dataclasses.replace(BILLING, amount_cents=2097, monthly_cents=None)

    email = render_subscription_email("pad_prenotification", "fr", final)

    assert "20,97 $" in email.text and "1er mars 2027" in email.text
    assert "Par la suite" not in email.text and "Par la suite" not in email.html


@pytest.mark.parametrize("kind", BILLING_KINDS)
def test_billing_emails_are_french_unless_the_account_is_english(kind: str) -> None:
    for language in (None, "de", "fr-CA"):
        email = render_subscription_email(kind, language, BILLING)  # type: ignore[arg-type]
        assert email.language == "fr" and email.text.startswith("Bonjour Léa,")
        assert "Numéro de contrat : 10095259" in email.text
    english = render_subscription_email(kind, "en-CA", BILLING)  # type: ignore[arg-type]
    assert english.language == "en" and "Contract number: 10095259" in english.text


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("payment_declined", "amount_cents"),
        ("payment_declined", "update_card_url"),
        ("subscription_in_arrears", "amount_cents"),
        ("pad_prenotification", "amount_cents"),
        ("pad_prenotification", "debit_date"),
    ],
)
def test_a_billing_email_refuses_to_render_without_its_facts(kind: str, missing: str) -> None:
    with pytest.raises(MissingEmailFact):
        render_subscription_email(kind, "fr", dataclasses.replace(BILLING, **{missing: None}))  # type: ignore[arg-type]


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def test_email_user_sends_the_declined_payment_with_the_card_link(real: Real) -> None:
    user = await real.users(language="en")
    sid = await real.active(user)
    notice = UserEmailInput(
        subscription_id=sid,
        kind="payment_declined",
        key=f"subscription-{sid}:email:payment_declined:1",
        amount_cents=6500,
        next_attempt=date(2027, 3, 4),
    )
    before = len(real.inbox(user.email))

    result = await run(real.activities.email_user, notice)

    [message] = real.inbox(user.email)[before:]
    assert result.outcome == "sent"
    assert message["Subject"] == "Payment declined"
    text = plain(message)
    assert "The payment of $65.00 for your subscription was declined" in text
    assert "We will try the payment again on March 4, 2027." in text
    assert (
        f"Update the credit card: {real.platform.public_web_origin}/mon-abonnement/{sid}/carte"
        in (text)
    )


@pytest.mark.parametrize(
    ("language", "replace", "retry"),
    [
        ("fr", "ne peut plus être utilisée", "Nous tenterons"),
        ("en", "can no longer be used", "We will try"),
    ],
)
async def test_email_user_sends_an_unusable_card_decline_asking_for_another_card_without_a_date(
    real: Real, language: str, replace: str, retry: str
) -> None:
    user = await real.users(language=language)
    sid = await real.active(user)
    notice = UserEmailInput(
        subscription_id=sid,
        kind="payment_declined",
        key=f"subscription-{sid}:email:payment_declined:1",
        amount_cents=6500,
        card_unusable=True,
    )
    before = len(real.inbox(user.email))

    result = await run(real.activities.email_user, notice)

    [message] = real.inbox(user.email)[before:]
    assert result.outcome == "sent"
    text = plain(message)
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    card_url = f"{real.platform.public_web_origin}/mon-abonnement/{sid}/carte"
    update = "Mettre à jour la carte de crédit" if language == "fr" else "Update the credit card"
    assert replace in text and replace in str(html.get_content())
    assert f"{update} : {card_url}" in text if language == "fr" else f"{update}: {card_url}" in text
    assert retry not in text and retry not in str(html.get_content())


def test_an_unusable_card_promises_no_retry_even_with_a_date_at_hand() -> None:
    unusable = dataclasses.replace(BILLING, card_unusable=True)

    french = render_subscription_email("payment_declined", "fr", unusable)
    assert "ne peut plus être utilisée" in french.text and "4 mars 2027" not in french.text
    assert f"Mettre à jour la carte de crédit : {CARD_URL}" in french.text
    soft = render_subscription_email("payment_declined", "fr", BILLING)
    assert "ne peut plus" not in soft.text and "4 mars 2027" in soft.text


@pytest.mark.parametrize(
    ("language", "deadline"),
    [("fr", "avant le 4 mars 2027, 14 h 05"), ("en", "before March 4, 2027, 2:05 PM")],
)
def test_the_waitlist_offer_gives_its_deadline_in_montreal_time_and_the_page(
    language: str, deadline: str
) -> None:
    email = render_subscription_email("waitlist_offered", language, DETAILS)

    assert deadline in email.text and deadline in email.html
    assert "https://portail.test/mon-abonnement/sub-1" in email.text
    assert 'href="https://portail.test/mon-abonnement/sub-1"' in email.html
