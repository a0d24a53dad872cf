"""The PDFs' words (contract, invoice and receipt, claim receipt), French and English, line for
line as they were before the gettext catalogs: `documents_wording.json` holds the lines each
document wrote. A deliberate rewording rewrites the file (`python -m
tests.servicekit.test_documents_wording`)."""

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from servicekit.pdf import Lines
from services.payments import documents
from services.payments.claims import receipt
from services.payments.claims.models import ClaimNotice, ClaimReceipt
from services.payments.models import Invoice
from services.subscriptions import contract

GOLDEN = Path(__file__).with_name("documents_wording.json")
VEHICLES = (
    contract.VehicleTerms("ABC123", "Honda", "Civic", 2020, "Bleu"),
    contract.VehicleTerms("XYZ9", "Kia", "Rio", 2019, "Rouge"),
)


def _contracts() -> dict[str, Lines]:
    found = {}
    for plate in (True, False):
        for mode in ("pad", "payroll"):
            terms = contract.ContractTerms(
                "10095259", "Léa Tremblay", "E-1", 1534, "CISSS", "Hôpital", "1 rue X", plate,
                7117, "1461", "Employé", "Desc fr", "Desc en", 123456, mode, date(2027, 1, 1),
                30, VEHICLES, date(2027, 1, 12),
            )  # fmt: skip
            for lang in ("fr", "en"):
                found[f"contract-{plate}-{mode}-{lang}"] = contract._lines(terms, lang)
    return found


def _invoice(status: str, kind: str | None) -> Invoice:
    return Invoice(
        number="F-1",
        description="Abonnement",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 1, 31),
        total_cents=6500,
        pretax_cents=5653,
        gst_cents=283,
        qst_cents=564,
        status=status,
        method_kind=kind,
        method_last4="4242" if kind else None,
        receipt_number="R-1",
        paid_at=datetime(2027, 1, 2, tzinfo=UTC) if status == "paid" else None,
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
    )


def _invoices() -> dict[str, Lines]:
    found = {}
    for status in ("paid", "unpaid", "credited", "payroll"):
        for kind in ("card", "pad", None):
            for lang in ("fr", "en"):
                for paid in (True, False):
                    lines = documents._lines(_invoice(status, kind), lang, paid)
                    found[f"inv-{status}-{kind}-{lang}-{paid}"] = lines
    return found


def _claim_receipts() -> dict[str, Lines]:
    notice = ClaimNotice(
        number="N-1", plate="ABC123", site_id=7117, issued_on=date(2027, 1, 1), amount_cents=4550
    )
    found = {}
    for brand in ("visa", "weird"):
        paid = ClaimReceipt(
            number="R-9",
            amount_cents=4550,
            paid_at=datetime(2027, 1, 2, 15, 4, tzinfo=UTC),
            card_brand=brand,
            card_last4="4242",
        )
        for lang in ("fr", "en"):
            found[f"claim-{brand}-{lang}"] = receipt._lines(paid, notice, lang)
    return found


def written() -> dict[str, Lines]:
    """Every document's lines in the situations the file records."""
    return _contracts() | _invoices() | _claim_receipts()


def _golden() -> dict[str, list[list[str]]]:
    data: dict[str, list[list[str]]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("key", sorted(_golden()))
def test_each_document_keeps_its_words(key: str) -> None:
    assert [list(line) for line in written()[key]] == _golden()[key]


def test_the_file_covers_every_document() -> None:
    assert set(written()) == set(_golden())


if __name__ == "__main__":  # rewrite the file after a deliberate rewording
    data = {k: [list(line) for line in lines] for k, lines in written().items()}
    GOLDEN.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True), "utf-8")
    sys.exit(0)
