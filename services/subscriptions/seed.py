"""The catalog's seed data: `python -m services.subscriptions.seed` (upserts by id, so it can
run at every start). Three establishments' sites, their categories and offerings, with one
restricted offering and one licence-plate-recognition site."""

import asyncio
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.db import make_engine, make_sessionmaker
from services.subscriptions.config import get_settings
from services.subscriptions.models import Offering, Site, UserCategory

CISSSO = "CISSS de l'Outaouais"
ESTRIE = "CIUSSS de l'Estrie - CHUS"
ALL_TIME_FR, ALL_TIME_EN = "Abonnement mensuel en tout temps", "Monthly subscription, any time"
EVENING_FR = "Abonnement mensuel soir et fin de semaine (16 h à 8 h, samedi et dimanche)"
EVENING_EN = "Monthly subscription, evenings and weekends (4 p.m. to 8 a.m., Saturday and Sunday)"
RESERVED_FR = (
    "Espace réservé en tout temps. Service VIP (invisible pour les utilisateurs réguliers.)"
)
RESERVED_EN = "Reserved space at any time. VIP service (hidden from regular users.)"

SITES: list[dict[str, Any]] = [
    {
        "id": 1534,
        "establishment": CISSSO,
        "name": "CISSS Outaouais",
        "address": "116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC",
        "access_type": "card",
    },
    {
        "id": 1535,
        "establishment": CISSSO,
        "name": "CISSS Outaouais - Hôpital de Gatineau",
        "address": "909 Boul La Vérendrye O, J8P 7H2, Gatineau, QC",
        "access_type": "plate",
    },
    {
        "id": 2210,
        "establishment": ESTRIE,
        "name": "CHUS - Hôpital Fleurimont",
        "address": "3001 12e Avenue N, J1H 5N4, Sherbrooke, QC",
        "access_type": "card",
    },
    {
        "id": 2211,
        "establishment": ESTRIE,
        "name": "CHUS - Hôtel-Dieu de Sherbrooke",
        "address": "580 Rue Bowen S, J1G 2E8, Sherbrooke, QC",
        "access_type": "card",
    },
]

CATEGORIES: list[dict[str, Any]] = [
    {"id": 101, "site_id": 1534, "name_fr": "Employé du CISSSO", "name_en": "CISSSO employee"},
    {"id": 102, "site_id": 1534, "name_fr": "Cadre", "name_en": "Manager"},
    {"id": 103, "site_id": 1534, "name_fr": "Résident", "name_en": "Resident"},
    {"id": 111, "site_id": 1535, "name_fr": "Employé du CISSSO", "name_en": "CISSSO employee"},
    {"id": 112, "site_id": 1535, "name_fr": "Médecin", "name_en": "Physician"},
    {
        "id": 201,
        "site_id": 2210,
        "name_fr": "Employé du CIUSSS de l'Estrie - CHUS",
        "name_en": "CIUSSS de l'Estrie - CHUS employee",
    },
    {"id": 202, "site_id": 2210, "name_fr": "Résident", "name_en": "Resident"},
    {
        "id": 211,
        "site_id": 2211,
        "name_fr": "Employé du CIUSSS de l'Estrie - CHUS",
        "name_en": "CIUSSS de l'Estrie - CHUS employee",
    },
]


def _offering(
    id: int,
    site_id: int,
    category_id: int,
    code: str,
    name: str,
    price: int,
    mode: str,
    capacity: int,
    fr: str = ALL_TIME_FR,
    en: str = ALL_TIME_EN,
    visibility: str = "public",
) -> dict[str, Any]:
    return {
        "id": id,
        "site_id": site_id,
        "category_id": category_id,
        "code": code,
        "name": name,
        "description_fr": fr,
        "description_en": en,
        "monthly_price_cents": price,
        "billing_mode": mode,
        "notice_days": 30,
        "capacity": capacity,
        "visibility": visibility,
    }


OFFERINGS: list[dict[str, Any]] = [
    _offering(7117, 1534, 101, "1461", "Hôpital de Hull - Employé CISSSO", 6500, "payroll", 250),
    _offering(
        7118,
        1534,
        101,
        "1461",
        "Hôpital de Hull - Employé CISSSO - Soir et fin de semaine",
        3500,
        "pad",
        80,
        EVENING_FR,
        EVENING_EN,
    ),
    _offering(
        7116,
        1534,
        102,
        "1461",
        "Hôpital de Hull - Cadres du CISSSO - Espace Réservé",
        9500,
        "payroll",
        12,
        RESERVED_FR,
        RESERVED_EN,
        "restricted",
    ),
    _offering(7119, 1534, 103, "1461", "Hôpital de Hull - Résident", 4500, "pad", 40),
    _offering(
        7201, 1535, 111, "1462", "Hôpital de Gatineau - Employé CISSSO", 6000, "payroll", 300
    ),
    _offering(7202, 1535, 112, "1462", "Hôpital de Gatineau - Médecin", 9000, "pad", 30),
    _offering(8101, 2210, 201, "2201", "CHUS Fleurimont - Employé CIUSSS", 7200, "payroll", 400),
    _offering(8102, 2210, 202, "2201", "CHUS Fleurimont - Résident", 5000, "pad", 60),
    _offering(8103, 2210, 201, "5432", "Permis multisites - Employé CIUSSS", 9800, "pad", 50),
    _offering(8201, 2211, 211, "2202", "Hôtel-Dieu - Employé CIUSSS", 6800, "payroll", 150),
]


async def seed(session: AsyncSession) -> None:
    """Insert or update every seed row by its id (parents first, for the foreign keys)."""
    for model, rows in ((Site, SITES), (UserCategory, CATEGORIES), (Offering, OFFERINGS)):
        for row in rows:
            await session.merge(model(**row))
        await session.flush()


async def main(database_url: str | None = None) -> None:
    engine = make_engine(database_url or get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            await seed(session)
            await session.commit()
    finally:
        await engine.dispose()
    print(f"seeded subscriptions catalog: {len(SITES)} sites, {len(OFFERINGS)} offerings")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None))
