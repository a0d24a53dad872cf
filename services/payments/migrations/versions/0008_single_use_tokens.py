"""the sandbox's single-use tokens: what its hosted card page issues, redeemed once

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEHAVIOURS = "behaviour IN ('capture', 'decline', 'refuse', 'expired')"


def upgrade() -> None:
    op.create_table(
        "sandbox_single_use_tokens",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("brand", sa.String(length=12), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("behaviour", sa.String(length=20), nullable=False),
        sa.Column("expires_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(BEHAVIOURS, name=op.f("ck_sandbox_single_use_tokens_behaviour")),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_sandbox_single_use_tokens")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_single_use_tokens")
