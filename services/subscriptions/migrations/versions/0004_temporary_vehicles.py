"""temporary vehicles; the outbox starts their end timers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 11:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('start', 'modification')"
NEW_KINDS = "kind IN ('start', 'modification', 'temporary')"


def upgrade() -> None:
    op.create_table(
        "temporary_vehicles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("make", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("color", sa.String(length=40), nullable=False),
        sa.Column("plate", sa.String(length=7), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'removed', 'ended')", name=op.f("ck_temporary_vehicles_status")
        ),
        sa.CheckConstraint(
            "end_date >= start_date", name=op.f("ck_temporary_vehicles_dates_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_temporary_vehicles_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_vehicles")),
    )
    with op.batch_alter_table("temporary_vehicles", schema=None) as batch_op:
        for column in ("subscription_id", "account_id", "plate"):
            batch_op.create_index(
                batch_op.f(f"ix_temporary_vehicles_{column}"), [column], unique=False
            )
    # SQLite cannot alter a constraint: batch mode copies the outbox (nothing references it).
    with op.batch_alter_table("lifecycle_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("temporary_vehicle_id", sa.String(length=36), nullable=True))
        batch_op.drop_constraint(op.f("ck_lifecycle_outbox_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_lifecycle_outbox_kind"), sa.text(NEW_KINDS))


def downgrade() -> None:
    op.execute("DELETE FROM lifecycle_outbox WHERE kind = 'temporary'")
    with op.batch_alter_table("lifecycle_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_lifecycle_outbox_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_lifecycle_outbox_kind"), sa.text(OLD_KINDS))
        batch_op.drop_column("temporary_vehicle_id")
    op.drop_table("temporary_vehicles")
