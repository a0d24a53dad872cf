"""The contract PDF: every term, French first, English after it for English accounts; issued
once, downloadable by its owner and operators only."""

import io
import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from pypdf import PdfReader

import servicekit
from servicekit.money import back_out_taxes
from servicekit.pdf import PACKAGED_FONTS, available_fonts
from services.subscriptions.config import SubscriptionsSettings
from services.subscriptions.contract import ContractTerms, VehicleTerms, render
from tests.subscriptions.factories import (
    GATINEAU_DAS,
    HULL_DAS,
    active_row,
    add_vehicle,
    pending_row,
)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


async def issue(client, stack, subscription_id: str, key: str = "k1"):
    return await client.post(
        f"/internal/v1/subscriptions/{subscription_id}/contract",
        headers=stack.internal,
        json={"idempotency_key": f"{subscription_id}:{key}"},
    )


@pytest.fixture
async def user(users):
    return await users()


async def test_the_contract_states_every_term_in_french(client, user, stack):
    vehicle = await add_vehicle(client, user, plate="abc 123-4", make="Honda", model="Civic")
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])

    issued = await issue(client, stack, subscription_id)
    assert issued.status_code == 200, issued.text
    assert issued.json()["language"] == "fr"
    download = await client.get(
        f"/v1/subscriptions/{subscription_id}/contract", headers=user.headers
    )

    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    text = " ".join(text_of(download.content).split())
    detail = (await client.get(f"/v1/subscriptions/{subscription_id}", headers=user.headers)).json()
    for term in [
        "Contrat d'abonnement",
        f"Numéro de contrat : {detail['contract_number']}",
        "Société Parc-Auto du Québec",
        "Léa Tremblay",
        "#1534 CISSS Outaouais - 116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC",
        "1461 - Hôpital de Hull - Employé CISSSO (#7117)",
        "DAS (Déduction à la source)",
        "Mensualité (TTC) : 65,00 $",
        "TPS (5 %) : 2,83 $",
        "TVQ (9,975 %) : 5,64 $",
        "prix avant taxes : 56,53 $",
        "Fin de l'abonnement : Indéterminée",
        "ABC123 - Honda Civic 2021",
        "Clause d'annulation",
        "préavis de 30 jours",
        "Document d'accès",
        "18 % par année",
    ]:
        assert term in text, term
    assert "English version" not in text
    assert detail["has_contract"] is True


async def test_an_english_account_gets_the_english_version_after_the_french(client, users, stack):
    user = await users(language="en")
    vehicle = await add_vehicle(client, user)
    subscription_id = await active_row(client, stack, user, GATINEAU_DAS, [vehicle["id"]])

    issued = await issue(client, stack, subscription_id)
    assert issued.json()["language"] == "en"
    pdf = await client.get(f"/v1/subscriptions/{subscription_id}/contract", headers=user.headers)
    text = " ".join(text_of(pdf.content).split())
    french, english = text.index("Contrat d'abonnement"), text.index("English version")
    assert french < english
    assert "Cancellation clause" in text and "30 days' notice" in text
    assert "Monthly price (taxes included): $60.00" in text
    # A licence-plate site: no access document to wait for.
    assert "Document d'accès" not in text and "Access document" not in text


async def test_the_contract_is_issued_once_per_key(client, user, stack):
    vehicle = await add_vehicle(client, user)
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    first = await issue(client, stack, subscription_id)
    pdf_before = (
        await client.get(
            f"/internal/v1/subscriptions/{subscription_id}/contract", headers=stack.internal
        )
    ).content
    again = await issue(client, stack, subscription_id)
    pdf_after = (
        await client.get(
            f"/internal/v1/subscriptions/{subscription_id}/contract", headers=stack.internal
        )
    ).content
    assert first.json() == again.json()
    assert pdf_before == pdf_after


async def test_no_contract_before_approval(client, user, stack):
    vehicle = await add_vehicle(client, user)
    subscription_id = await pending_row(stack, user, HULL_DAS, [vehicle["id"]])

    refused = await issue(client, stack, subscription_id)
    assert (refused.status_code, refused.json()["error"]) == (409, "invalid_transition")
    none_yet = await client.get(
        f"/v1/subscriptions/{subscription_id}/contract", headers=user.headers
    )
    assert (none_yet.status_code, none_yet.json()["error"]) == (404, "contract_not_found")


async def test_only_the_owner_and_operators_download_the_contract(client, users, user, stack):
    vehicle = await add_vehicle(client, user)
    subscription_id = await active_row(client, stack, user, HULL_DAS, [vehicle["id"]])
    await issue(client, stack, subscription_id)
    other, operator = await users(), await users(role="operator")

    theirs = await client.get(
        f"/v1/subscriptions/{subscription_id}/contract", headers=other.headers
    )
    assert (theirs.status_code, theirs.json()["error"]) == (404, "subscription_not_found")
    as_operator = await client.get(
        f"/v1/operator/subscriptions/{subscription_id}/contract", headers=operator.headers
    )
    assert as_operator.status_code == 200 and as_operator.content.startswith(b"%PDF")
    as_user = await client.get(
        f"/v1/operator/subscriptions/{subscription_id}/contract", headers=other.headers
    )
    assert as_user.status_code == 403


def terms(**changes) -> ContractTerms:
    base = ContractTerms(
        contract_number="10095259",
        subscriber_name="Émile Côté-François",
        employee_number="résident",
        site_id=1534,
        establishment="CISSS de l'Outaouais",
        site_name="CISSS Outaouais",
        site_address="116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC",
        plate_site=False,
        offering_id=7117,
        offering_code="1461",
        offering_name="Hôpital de Hull - Employé CISSSO",
        description_fr="Abonnement mensuel en tout temps",
        description_en="Monthly subscription, any time",
        monthly_price_cents=6500,
        billing_mode="payroll",
        start_date=date(2023, 9, 1),
        notice_days=45,
        vehicles=(VehicleTerms("F12ABC", "Kia", "Soul", 2019, "Bleu"),),
        issued_on=date(2023, 8, 28),
    )
    return ContractTerms(**{**base.__dict__, **changes})


@pytest.mark.parametrize("name", ["Zoë Lœuillet-O’Neil", "Ève Côté-Bérubé"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_french_name_renders_with_the_font_shipped_in_the_package(name, language):
    """No host font: the service's default settings give the DejaVu Sans files inside the
    installed package, and the name reads back exactly (œ and ’ are outside Latin-1)."""
    fonts = available_fonts(SubscriptionsSettings().contract_font, "")
    assert fonts == PACKAGED_FONTS
    assert Path(fonts.regular).is_relative_to(Path(servicekit.__file__).parent)

    pdf = render(terms(subscriber_name=name), language, fonts)

    assert name in " ".join(text_of(pdf).split())
    assert b"DejaVuSans" in pdf  # the embedded font, not a core font


def test_contracts_rendered_at_the_same_time_each_read_back_their_own_names():
    """The fonts are read once per process and shared: documents rendered together in threads
    (as the service does) each embed the glyphs of their own text, whichever came first."""
    names = ["Zoë Lœuillet-O’Neil", "Ève Côté-Bérubé", "Đặng Thị Ánh", "Σοφία Παπαδοπούλου"] * 3

    def contract_of(name: str) -> bytes:
        return render(terms(subscriber_name=name), "en", PACKAGED_FONTS)

    with ThreadPoolExecutor(max_workers=6) as pool:
        pdfs = list(pool.map(contract_of, names))
    for name, pdf in zip(names, pdfs, strict=True):
        assert name in " ".join(text_of(pdf).split())


def test_a_configured_font_that_is_missing_stops_the_service_at_start(tmp_path):
    with pytest.raises(FileNotFoundError):
        available_fonts(str(tmp_path / "missing.ttf"), str(tmp_path / "missing-bold.ttf"))


def _half_up(numerator: Fraction) -> int:
    return math.floor(numerator + Fraction(1, 2))


def test_taxes_are_backed_out_to_the_cent_for_every_price():
    for cents in range(0, 100_001):
        taxes = back_out_taxes(cents)
        assert taxes.gst_cents == _half_up(Fraction(cents * 5000, 114975))
        assert taxes.qst_cents == _half_up(Fraction(cents * 9975, 114975))
        assert taxes.pretax_cents + taxes.gst_cents + taxes.qst_cents == cents
    sample = back_out_taxes(11497)
    assert (sample.gst_cents, sample.qst_cents, sample.pretax_cents) == (500, 997, 10000)
