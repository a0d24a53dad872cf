"""retries and system credits: adjustments get an idempotency key and a subscription; charges
are found by the invoice they pay and mark a retry that found nothing owed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("subscription_id", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_adjustments_idempotency_key"), ["idempotency_key"]
        )
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("settled_before", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_charges_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("charges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charges_invoice_id"))
        batch_op.drop_column("settled_before")
    with op.batch_alter_table("adjustments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_adjustments_idempotency_key"), type_="unique")
        batch_op.drop_column("subscription_id")
        batch_op.drop_column("idempotency_key")
