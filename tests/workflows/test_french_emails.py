"""The French of every email, word for word as it was before the gettext catalogs.

`french_emails.json` holds each email's French subject and text as the per-language templates
rendered them (the claim receipt's bilingual version too); the catalogs must keep that wording.
A deliberate rewording updates the file (`python -m tests.workflows.test_french_emails`)."""

import difflib
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from workflows.claims.emails import ReceiptFacts, render_claim_receipt
from workflows.emails.render import ACCOUNT_KINDS, RenderedEmail, render_email
from workflows.subscription.emails import KIND_STATUS, EmailDetails, render_subscription_email

GOLDEN = Path(__file__).with_name("french_emails.json")
FULL = EmailDetails(
    contract_number="10095259",
    subscription_id="sub-1",
    first_name="Léa",
    offering_name="Hôpital <Hull>",
    start_date=date(2027, 1, 12),
    reason="Motif <précis> 100%",
    effective_date=date(2027, 2, 9),
    waiting_days=3,
    modification_id="m1",
    amount_cents=6500,
    debit_date=date(2027, 3, 1),
    monthly_cents=6500,
    next_attempt=date(2027, 3, 4),
    update_card_url="https://portail.test/x?a=1&b=2",
    return_reason="901",
    bank_details_url="https://portail.test/mon-abonnement/sub-1",
    card_last4="4242",
    card_last_day=date(2027, 8, 31),
    offer_expires_at=datetime(2027, 3, 4, 19, 5, tzinfo=UTC),
    page_url="https://portail.test/mon-abonnement/sub-1",
)
BARE = EmailDetails(
    contract_number="10095259",
    amount_cents=123456,
    debit_date=date(2027, 3, 1),
    update_card_url="u",
    return_reason="905",
    new_details_needed=True,
    bank_details_url="s",
    card_last_day=date(2027, 8, 31),
    offer_expires_at=datetime(2027, 7, 1, 3, 0, tzinfo=UTC),
    page_url="p",
)
RECEIPT = ReceiptFacts("R-1", "N-2", "ABC123", 7117, 4550, datetime(2027, 3, 1, 15, 4, tzinfo=UTC))


def rendered() -> dict[str, RenderedEmail]:
    """Every French email (and the bilingual receipt) in the situations the file records."""
    emails: dict[str, RenderedEmail] = {}
    for kind in sorted(ACCOUNT_KINDS):
        for name in ("Léa", None):
            emails[f"{kind}-fr-{name}"] = render_email(
                kind, "fr", first_name=name, link="https://x.test/t?a=1&b=2"
            )
    for kind in KIND_STATUS:
        for n, details in enumerate((FULL, BARE)):
            emails[f"{kind}-fr-{n}"] = render_subscription_email(kind, "fr", details)  # type: ignore[arg-type]
    emails["claim-fr"] = render_claim_receipt("fr", RECEIPT)
    emails["claim-en"] = render_claim_receipt("en", RECEIPT)
    return emails


def _golden() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("key", sorted(_golden()))
def test_the_french_wording_is_kept(key: str) -> None:
    expected, email = _golden()[key], rendered()[key]

    assert email.subject == expected["subject"]
    diff = difflib.unified_diff(expected["text"].split("\n"), email.text.split("\n"), lineterm="")
    assert email.text == expected["text"], "\n".join(diff)


def test_the_file_covers_every_email() -> None:
    assert set(rendered()) == set(_golden())


if __name__ == "__main__":  # rewrite the file after a deliberate rewording
    data = {k: {"subject": e.subject, "text": e.text} for k, e in rendered().items()}
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
    sys.exit(0)
