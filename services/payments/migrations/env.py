"""Alembic environment of the payments service."""

from servicekit.alembic_env import run
from services.payments.models import Base

run(Base.metadata)
