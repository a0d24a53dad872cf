"""a real processor: refunds paid back to a card, the webhook events received, and the
ledger's `refund` entries

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-05 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0009"
# Chained after 0007 on its branch; after 0008 (single-use tokens) once both are merged.
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('invoice', 'payment', 'payroll', 'adjustment', 'return')"
NEW_KINDS = "kind IN ('invoice', 'payment', 'payroll', 'adjustment', 'return', 'refund')"
REFUND_STATUSES = "status IN ('requested', 'pending', 'succeeded', 'failed')"


def upgrade() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("charge_id", sa.String(length=36), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("gateway_reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(REFUND_STATUSES, name=op.f("ck_refunds_status")),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["charge_id"], ["charges.id"], name=op.f("fk_refunds_charge_id_charges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_refunds_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_refunds_number")),
    )
    for column in ("account_id", "charge_id", "gateway_reference"):
        op.create_index(op.f(f"ix_refunds_{column}"), "refunds", [column])
    op.create_table(
        "processor_events",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("processor", sa.String(length=20), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("object_id", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("received_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processor_events")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_entries_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_entries_kind"), NEW_KINDS)
    # Refund numbers; bumping the row also serialises refunds (the credit is checked once).
    op.bulk_insert(
        sa.table("number_sequences", sa.column("name", sa.String), sa.column("last", sa.Integer)),
        [{"name": "refund", "last": 0}],
    )


def downgrade() -> None:
    op.execute("DELETE FROM number_sequences WHERE name = 'refund'")
    op.execute("DELETE FROM ledger_entries WHERE kind = 'refund'")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_entries_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_entries_kind"), OLD_KINDS)
    op.drop_table("processor_events")
    for column in ("account_id", "charge_id", "gateway_reference"):
        op.drop_index(op.f(f"ix_refunds_{column}"), table_name="refunds")
    op.drop_table("refunds")
