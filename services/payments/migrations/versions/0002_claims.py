"""claim notices, their receipts, and the sandbox gateway's tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sandbox() -> None:
    op.create_table(
        "sandbox_cards",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("brand", sa.String(length=12), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("behaviour", sa.String(length=20), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "behaviour IN ('capture', 'decline')", name=op.f("ck_sandbox_cards_behaviour")
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_sandbox_cards")),
    )
    op.create_table(
        "sandbox_charges",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decline_code", sa.String(length=40), nullable=True),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('captured', 'declined')", name=op.f("ck_sandbox_charges_status")
        ),
        sa.ForeignKeyConstraint(
            ["token"],
            ["sandbox_cards.token"],
            name=op.f("fk_sandbox_charges_token_sandbox_cards"),
        ),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_sandbox_charges")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sandbox_charges_idempotency_key")),
    )


def _claims() -> None:
    op.create_table(
        "claim_notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("plate", sa.String(length=7), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("claimed_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paid_at", servicekit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_claim_notices_amount_positive")),
        sa.CheckConstraint(
            "status IN ('unpaid', 'paying', 'paid')", name=op.f("ck_claim_notices_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_notices")),
        sa.UniqueConstraint("number", name=op.f("uq_claim_notices_number")),
    )
    with op.batch_alter_table("claim_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_notices_plate"), ["plate"], unique=False)
    op.create_table(
        "claim_receipts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("paid_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("card_brand", sa.String(length=12), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("gateway_reference", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["claim_notices.id"],
            name=op.f("fk_claim_receipts_notice_id_claim_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_receipts")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_claim_receipts_notice_id")),
        sa.UniqueConstraint("number", name=op.f("uq_claim_receipts_number")),
    )


def upgrade() -> None:
    _sandbox()
    _claims()


def downgrade() -> None:
    op.drop_table("claim_receipts")
    with op.batch_alter_table("claim_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_notices_plate"))
    op.drop_table("claim_notices")
    op.drop_table("sandbox_charges")
    op.drop_table("sandbox_cards")
