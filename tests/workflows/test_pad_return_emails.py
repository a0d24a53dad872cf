"""The returned-debit email: the bank's reason in French and English, a retry date for a
passing reason, a request for new banking details for a closed or invalid account; sent by the
real activity through a real SMTP server."""

from dataclasses import replace
from datetime import date
from email.message import EmailMessage

from tests.workflows import subscription_services
from tests.workflows.subscription_services import Real, run
from workflows.subscription.emails import EmailDetails, render_subscription_email
from workflows.subscription.models import UserEmailInput

real = subscription_services.real  # the shared fixture (real services, real SMTP)

PAGE = "https://portail.test/mon-abonnement/sub-1"
RETURNED = EmailDetails(
    contract_number="10095259",
    subscription_id="sub-1",
    first_name="Léa",
    amount_cents=6500,
    next_attempt=date(2027, 3, 4),
    return_reason="901",
    bank_details_url=PAGE,
)


def test_an_nsf_return_explains_the_reason_and_the_next_debit() -> None:
    french = render_subscription_email("pad_debit_returned", "fr", RETURNED)
    english = render_subscription_email("pad_debit_returned", "en", RETURNED)

    assert french.subject == "Prélèvement retourné par votre institution financière"
    assert "a retourné le prélèvement préautorisé de 65,00 $" in french.text
    assert "Motif indiqué par votre institution financière : provision insuffisante (901)" in (
        french.text
    )
    assert "Nous tenterons à nouveau le prélèvement le 4 mars 2027." in french.text
    assert "coordonnées bancaires" not in french.text
    assert english.subject == "Pre-authorized debit returned by your financial institution"
    assert "Reason given by your financial institution: insufficient funds (901)" in english.text
    assert "We will try the debit again on March 4, 2027." in english.text
    assert '<html lang="en">' in english.html and "insufficient funds (901)" in english.html


def test_a_closed_account_asks_for_new_banking_details() -> None:
    closed = replace(RETURNED, return_reason="905", new_details_needed=True, next_attempt=None)
    french = render_subscription_email("pad_debit_returned", "fr", closed)
    english = render_subscription_email("pad_debit_returned", "en", closed)

    assert "compte fermé (905)" in french.text
    assert "Veuillez nous fournir de nouvelles coordonnées bancaires" in french.text
    assert f"Fournir de nouvelles coordonnées bancaires : {PAGE}" in french.text
    assert "tenterons" not in french.text
    assert f'href="{PAGE}"' in french.html
    assert "account closed (905)" in english.text
    assert f"Give new banking details: {PAGE}" in english.text


def test_an_unknown_reason_code_is_still_explained() -> None:
    odd = replace(RETURNED, return_reason="999")
    assert "autre motif (999)" in render_subscription_email("pad_debit_returned", "fr", odd).text


def plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def test_email_user_sends_the_return_in_the_accounts_language(real: Real) -> None:
    french_user, english_user = await real.users(), await real.users(language="en")
    for user, reason, expected in (
        (french_user, "905", "compte fermé (905)"),
        (english_user, "901", "insufficient funds (901)"),
    ):
        sid = await real.active(user)
        notice = UserEmailInput(
            subscription_id=sid,
            kind="pad_debit_returned",
            key=f"subscription-{sid}:email:pad_debit_returned:r1",
            amount_cents=6500,
            return_reason=reason,
            new_details_needed=reason == "905",
            next_attempt=None if reason == "905" else date(2027, 3, 4),
        )
        before = len(real.inbox(user.email))
        assert (await run(real.activities.email_user, notice)).outcome == "sent"
        [message] = real.inbox(user.email)[before:]
        text = plain(message)
        assert expected in text
        page = f"{real.platform.public_web_origin}/mon-abonnement/{sid}/compte-bancaire"
        assert (page in text) == (reason == "905")
