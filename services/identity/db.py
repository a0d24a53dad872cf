"""Identity's database engine."""

from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import make_engine
from services.identity.config import IdentitySettings


def engine_for(settings: IdentitySettings) -> AsyncEngine:
    return make_engine(settings.database_url)
