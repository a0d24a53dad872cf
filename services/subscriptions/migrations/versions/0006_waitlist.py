"""waitlists: entries per offering, the time to confirm an offer, `waitlist` outbox entries

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "'start', 'modification', 'temporary', 'decision'"
NEW_KINDS = f"{OLD_KINDS}, 'waitlist'"
STATUSES = "'waiting', 'offered', 'confirmed', 'approved', 'lapsed', 'left'"


def _outbox(kinds: str, add_column: bool) -> None:
    with op.batch_alter_table("lifecycle_outbox", schema=None) as batch_op:
        if add_column:
            batch_op.add_column(sa.Column("offering_id", sa.Integer(), nullable=True))
        else:
            batch_op.drop_column("offering_id")
        batch_op.drop_constraint(batch_op.f("ck_lifecycle_outbox_kind"), type_="check")
        name = batch_op.f("ck_lifecycle_outbox_kind")
        batch_op.create_check_constraint(name, f"kind IN ({kinds})")


def upgrade() -> None:
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("waitlist_confirm_hours", sa.Integer(), nullable=False, server_default="72")
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_offerings_waitlist_confirm_hours_positive"),
            "waitlist_confirm_hours > 0",
        )
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("offered_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_waitlist_entries_status")),
        sa.ForeignKeyConstraint(
            ["offering_id"],
            ["offerings.id"],
            name=op.f("fk_waitlist_entries_offering_id_offerings"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_waitlist_entries_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
        sa.UniqueConstraint("subscription_id", name=op.f("uq_waitlist_entries_subscription_id")),
    )
    op.create_index(
        "ix_waitlist_entries_offering_status",
        "waitlist_entries",
        ["offering_id", "status", "id"],
        unique=False,
    )
    _outbox(NEW_KINDS, add_column=True)


def downgrade() -> None:
    op.execute("DELETE FROM lifecycle_outbox WHERE kind = 'waitlist'")
    _outbox(OLD_KINDS, add_column=False)
    op.drop_index("ix_waitlist_entries_offering_status", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_offerings_waitlist_confirm_hours_positive"), type_="check"
        )
        batch_op.drop_column("waitlist_confirm_hours")
