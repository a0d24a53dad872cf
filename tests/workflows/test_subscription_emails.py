"""Subscription email templates: every kind in French and English, with the guide's labels."""

from datetime import date

import pytest

from servicekit.formats import long_date
from workflows.subscription.emails import (
    SUBJECTS,
    EmailDetails,
    render_subscription_email,
)

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
)


@pytest.mark.parametrize("kind", sorted(SUBJECTS))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_subscription_email_exists_in_both_languages(kind: str, language: str) -> None:
    email = render_subscription_email(kind, language, DETAILS)  # type: ignore[arg-type]

    assert email.subject == SUBJECTS[kind][language]
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
