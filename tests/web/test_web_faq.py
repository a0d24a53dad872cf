"""The FAQ answers the questions the user guide raises (the validation email that does not
arrive, the cheque specimen, the registration certificate's plate rule, the notice clause,
payroll deduction), in French and in English, for everyone: the email question comes before
anyone can sign in."""

import html

import httpx
import pytest

from servicekit.i18n import translate
from tests.web.support import Account, login

ANSWERS = [
    "faq.q_email",
    "faq.a_email_junk",
    "faq.a_email_address",
    "faq.a_email_resend",
    "faq.q_specimen",
    "faq.a_specimen",
    "faq.q_plate",
    "faq.a_plate",
    "faq.q_notice",
    "faq.a_notice",
    "faq.q_payroll",
    "faq.a_payroll",
]
# What the guide says, in its words, and the same facts in English.
FRENCH = [
    "vérifiez vos courriels indésirables",
    "Envoyer de nouveau les instructions",
    "la page « Confirmation du compte » indique l'adresse",
    "spécimen de chèque",
    "« Prélèvement pré-auto. »",
    "numéro de transit (5 chiffres)",
    "n'inscrivez pas le tiret et le dernier chiffre",
    "pour ABC123-4, inscrivez ABC123",
    "clause de préavis",
    "préavis (30 jours pour la plupart des abonnements)",
    "retenue sur le salaire",
    "DAS (déduction à la source)",
    "l'étape 5 (paiement) est sautée",
]
ENGLISH = [
    "check your junk mail",
    "send the instructions again",
    "shows the address the email was sent to",
    "cheque specimen",
    "pre-authorized debit",
    "transit number (5 digits)",
    "do not enter the dash and the last digit",
    "for ABC123-4, enter ABC123",
    "notice clause",
    "notice period (30 days for most subscriptions)",
    "payroll deduction",
    "step 5 (payment) is skipped",
]


def page_text(response: httpx.Response) -> str:
    assert response.status_code == 200
    return html.unescape(response.text)


@pytest.mark.parametrize(("language", "phrases"), [("fr", FRENCH), ("en", ENGLISH)])
async def test_each_answer_is_on_the_page_in_each_language(
    client: httpx.AsyncClient, user: Account, language: str, phrases: list[str]
) -> None:
    await login(client, user.email)
    text = page_text(await client.get(f"/faq?lang={language}"))
    for key in ANSWERS:
        assert translate(key, language) in text, key
    for phrase in phrases:
        assert phrase in text, phrase
    other = "en" if language == "fr" else "fr"
    assert translate("faq.a_plate", other) not in text


async def test_the_faq_is_open_without_signing_in_and_linked_from_login(
    client: httpx.AsyncClient,
) -> None:
    text = page_text(await client.get("/faq"))
    assert translate("faq.a_email_junk", "fr") in text
    assert "Déconnexion" not in text  # the public shell, not the signed-in menu
    english = page_text(await client.get("/faq?lang=en"))
    assert translate("faq.a_email_resend", "en") in english
    assert 'href="/faq"' in (await client.get("/connexion")).text
