"""Alembic environment of the identity service."""

from servicekit.alembic_env import run
from services.identity.models import Base

run(Base.metadata)
