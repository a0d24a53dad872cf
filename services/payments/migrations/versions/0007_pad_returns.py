"""returned pre-authorized debits: the returns files imported, the debits they sent back, and
the ledger's `return` entries

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('invoice', 'payment', 'payroll', 'adjustment')"
NEW_KINDS = "kind IN ('invoice', 'payment', 'payroll', 'adjustment', 'return')"


def upgrade() -> None:
    op.create_table(
        "pad_return_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pad_return_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_pad_return_files_sha256")),
    )
    op.create_table(
        "pad_returns",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("charge_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("payment_method_id", sa.String(length=36), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=3), nullable=False),
        sa.Column("trace_number", sa.String(length=22), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("told_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["pad_return_files.id"],
            name=op.f("fk_pad_returns_file_id_pad_return_files"),
        ),
        sa.ForeignKeyConstraint(
            ["charge_id"], ["charges.id"], name=op.f("fk_pad_returns_charge_id_charges")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_pad_returns_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pad_returns")),
        sa.UniqueConstraint("charge_id", name=op.f("uq_pad_returns_charge_id")),
    )
    for column in ("file_id", "invoice_id", "account_id", "subscription_id", "told_at"):
        op.create_index(op.f(f"ix_pad_returns_{column}"), "pad_returns", [column])
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_entries_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_entries_kind"), NEW_KINDS)


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_entries_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_entries_kind"), OLD_KINDS)
    for column in ("file_id", "invoice_id", "account_id", "subscription_id", "told_at"):
        op.drop_index(op.f(f"ix_pad_returns_{column}"), table_name="pad_returns")
    op.drop_table("pad_returns")
    op.drop_table("pad_return_files")
