"""Plate normalisation (RULES.md, the seed's registration-certificate rule), the bilingual
messages of the new codes, and the seed catalog."""

import pytest
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select

from servicekit.db import make_engine
from servicekit.formats import normalize_plate
from servicekit.i18n import has_message
from servicekit.messages import lookup
from services.subscriptions import seed
from services.subscriptions.models import Offering, Site


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("abc 123-4", "ABC123"),  # registration certificate: no dash, no last digit
        ("ABC123-4", "ABC123"),
        ("abc-123", "ABC123"),
        (" f12 abc ", "F12ABC"),
        ("ABC1234", "ABC1234"),
        ("V", "V"),
    ],
)
def test_plates_are_stored_uppercase_without_spaces_or_dashes(given, stored):
    assert normalize_plate(given) == stored


@pytest.mark.parametrize("given", ["", "   ", "ABCD1234", "AB#12", "ÉTÉ123", "-"])
def test_anything_else_is_plate_invalid(given):
    with pytest.raises(PydanticCustomError) as caught:
        normalize_plate(given)
    assert caught.value.type == "plate_invalid"


@pytest.mark.parametrize(
    "code",
    [
        "plate_invalid",
        "year_invalid",
        "start_in_past",
        "consent_required",
        "vehicles_required",
        "date_in_past",
        "reason_required",
    ],
)
def test_new_codes_have_french_and_english_messages(code):
    assert has_message(f"validation.{code}", "fr") and has_message(f"validation.{code}", "en")
    assert lookup(code)["fr"] != lookup(code)["en"]


async def test_the_seed_can_run_again_without_duplicating(database_urls, stack):
    await seed.main(database_urls["subscriptions"])
    engine = make_engine(database_urls["subscriptions"])
    try:
        async with engine.connect() as conn:
            seeded = [s["id"] for s in seed.SITES]
            sites = await conn.scalar(select(func.count()).where(Site.id.in_(seeded)))
            kinds = (await conn.execute(select(Site.access_type).where(Site.id.in_(seeded)))).all()
            reserved = await conn.scalar(select(Offering.visibility).where(Offering.id == 7116))
            per_site = (
                await conn.execute(
                    select(Offering.site_id, func.count())
                    .where(
                        Offering.billing_mode == "payroll",
                        Offering.id.in_([o["id"] for o in seed.OFFERINGS]),
                    )
                    .group_by(Offering.site_id)
                )
            ).all()
    finally:
        await engine.dispose()
    assert sites == len(seed.SITES) >= 3
    assert {k for (k,) in kinds} == {"card", "plate"}
    assert len({s["establishment"] for s in seed.SITES}) >= 2
    assert reserved == "restricted"
    assert {site for site, _ in per_site} == set(seeded)  # a DAS offering at every site
