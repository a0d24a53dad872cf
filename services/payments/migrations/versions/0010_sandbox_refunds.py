"""the sandbox keeps the refunds it pays back (refund is on the gateway port itself)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_refunds",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("charge_reference", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_sandbox_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["charge_reference"],
            ["sandbox_charges.reference"],
            name=op.f("fk_sandbox_refunds_charge_reference_sandbox_charges"),
        ),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_sandbox_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sandbox_refunds_idempotency_key")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_refunds")
