"""payment method of a subscription; status in_arrears

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "'pending_approval', 'active', 'refused', 'withdrawn', 'expired', 'ended'"
NEW_STATUSES = (
    "'pending_approval', 'active', 'in_arrears', 'refused', 'withdrawn', 'expired', 'ended'"
)


def _sqlite_foreign_keys_off() -> None:
    """On SQLite, batch mode copies `subscriptions` and drops the original; with foreign keys on,
    that DROP deletes every row first and the ON DELETE CASCADE empties audit_entries,
    contracts, modification_requests and subscription_vehicles. The pragma is ignored inside
    a transaction, so the migration's transaction is ended, the pragma set, and a new one begun
    (this connection is the migration's own and is closed after it)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("COMMIT")
        op.execute("PRAGMA foreign_keys=OFF")
        op.execute("BEGIN IMMEDIATE")


def _sqlite_foreign_keys_still_hold() -> None:
    """The copy must leave every reference intact (the check foreign keys would have made)."""
    if op.get_bind().dialect.name == "sqlite":
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table copy: {broken[:5]}")


def upgrade() -> None:
    _sqlite_foreign_keys_off()
    # SQLite cannot alter a constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_method_id", sa.String(length=36), nullable=True))
        batch_op.drop_constraint(op.f("ck_subscriptions_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_subscriptions_status"), sa.text(f"status IN ({NEW_STATUSES})")
        )
    _sqlite_foreign_keys_still_hold()


def downgrade() -> None:
    # Arrears are a billing state: back to `active`, the state the old schema knew them by.
    op.execute("UPDATE subscriptions SET status = 'active' WHERE status = 'in_arrears'")
    _sqlite_foreign_keys_off()
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_subscriptions_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_subscriptions_status"), sa.text(f"status IN ({OLD_STATUSES})")
        )
        batch_op.drop_column("payment_method_id")
    _sqlite_foreign_keys_still_hold()
