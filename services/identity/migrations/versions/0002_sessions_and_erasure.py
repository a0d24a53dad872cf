"""session versions, session cut-offs, erasure proofs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "session_cutoffs",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("changed_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_session_cutoffs")),
    )
    with op.batch_alter_table("session_cutoffs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_cutoffs_changed_at"), ["changed_at"], unique=False
        )
    op.create_table(
        "erasure_proofs",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("erased_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "service", name=op.f("pk_erasure_proofs")),
    )


def downgrade() -> None:
    op.drop_table("erasure_proofs")
    with op.batch_alter_table("session_cutoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_cutoffs_changed_at"))
    op.drop_table("session_cutoffs")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("session_version")
