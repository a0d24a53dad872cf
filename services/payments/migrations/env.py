"""Alembic environment of the payments service."""

import services.payments.claims.models
import services.payments.processors.models
import services.payments.returns.models
import services.payments.sandbox_models  # noqa: F401  (their tables join Base.metadata)
from servicekit.alembic_env import run
from services.payments.models import Base

run(Base.metadata)
