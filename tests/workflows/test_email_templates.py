"""Account email templates: French first, English for English accounts, never a password."""

import pytest

from workflows.emails.render import ACCOUNT_KINDS, MissingLink, render_email

KINDS = sorted(ACCOUNT_KINDS)
SUBJECTS = {
    "verify_email": ("Confirmation de votre compte", "Confirm your account"),
    "password_reset": ("Réinitialisation de votre mot de passe", "Reset your password"),
    "signup_attempt": (
        "Tentative d'ouverture de compte avec votre adresse courriel",
        "Attempt to open an account with your email address",
    ),
    "password_changed": ("Votre mot de passe a été modifié", "Your password was changed"),
}
BRAND = "Société Parc-Auto du Québec"
LINK = "https://portail.test/verification?token=abc&x=1"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_email_exists_in_both_languages(kind: str, language: str) -> None:
    email = render_email(kind, language, first_name="Léa", link=LINK)

    assert email.language == language
    assert email.subject == SUBJECTS[kind][language == "en"]
    assert BRAND in email.text and BRAND in email.html
    assert "Léa" in email.text
    assert f'<html lang="{language}">' in email.html
    assert ("Bonjour" if language == "fr" else "Hello") in email.text


def test_unknown_or_regional_languages_get_french() -> None:
    assert render_email("password_changed", "de").language == "fr"
    assert render_email("password_changed", None).language == "fr"
    assert render_email("password_changed", "en-CA").language == "en"


def test_verification_email_has_the_blue_activation_button() -> None:
    email = render_email("verify_email", "fr", link=LINK)

    assert email.subject == "Confirmation de votre compte"
    assert 'href="https://portail.test/verification?token=abc&amp;x=1"' in email.html
    assert "Activer mon compte" in email.html
    assert "background-color:#0059c1" in email.html
    assert f"Activer mon compte : {LINK}" in email.text


def test_notices_point_to_the_lost_password_page_and_the_service_centre() -> None:
    attempt = render_email("signup_attempt", "fr")
    changed = render_email("password_changed", "fr")
    reset = render_email("password_reset", "fr", link=LINK)

    assert "Mot de passe perdu?" in attempt.text
    assert "Mot de passe perdu?" in changed.text and "centre de service" in changed.text
    assert "1 heure" in reset.text and "1 heure" in reset.html


def test_names_are_escaped_in_html() -> None:
    email = render_email("password_changed", "fr", first_name="<script>x</script>")

    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html


@pytest.mark.parametrize("kind", ["verify_email", "password_reset"])
def test_link_emails_refuse_to_render_without_a_link(kind: str) -> None:
    with pytest.raises(MissingLink):
        render_email(kind, "fr")
