"""Alembic environment of the subscriptions service."""

from servicekit.alembic_env import run
from services.subscriptions.models import Base

run(Base.metadata)
