"""claim notices paid with the payer present: `authenticating` while the issuer's 3-D Secure
challenge is open, the gateway reference on the notice, one `claim_payments` row per attempt;
the sandbox's challenge card and its charges awaiting authentication

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import servicekit.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_NOTICE = "status IN ('unpaid', 'paying', 'paid')"
NEW_NOTICE = "status IN ('unpaid', 'paying', 'authenticating', 'paid')"
OLD_CARD = "behaviour IN ('capture', 'decline')"
NEW_CARD = "behaviour IN ('capture', 'decline', 'challenge')"
OLD_TOKEN = "behaviour IN ('capture', 'decline', 'refuse', 'expired')"
NEW_TOKEN = "behaviour IN ('capture', 'decline', 'refuse', 'expired', 'challenge')"
OLD_CHARGE = "status IN ('captured', 'declined')"
NEW_CHARGE = "status IN ('captured', 'declined', 'requires_action', 'canceled')"


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def upgrade() -> None:
    with op.batch_alter_table("claim_notices", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=8), type_=sa.String(length=16)
        )
        batch_op.add_column(sa.Column("payment_reference", sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_claim_notices_payment_reference"), ["payment_reference"], unique=False
        )
    _check("claim_notices", "status", NEW_NOTICE)
    op.create_table(
        "claim_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("card_token", sa.String(length=200), nullable=False),
        sa.Column("card_brand", sa.String(length=12), nullable=False),
        sa.Column("card_last4", sa.String(length=4), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("gateway_reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", servicekit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["claim_notices.id"],
            name=op.f("fk_claim_payments_notice_id_claim_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_payments")),
        sa.UniqueConstraint("notice_id", "attempt", name=op.f("uq_claim_payments_notice_id")),
    )
    op.create_index(
        op.f("ix_claim_payments_gateway_reference"), "claim_payments", ["gateway_reference"]
    )
    with op.batch_alter_table("sandbox_charges", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=10), type_=sa.String(length=16)
        )
        batch_op.add_column(sa.Column("return_url", sa.String(length=500), nullable=True))
    _check("sandbox_charges", "status", NEW_CHARGE)
    _check("sandbox_cards", "behaviour", NEW_CARD)
    _check("sandbox_single_use_tokens", "behaviour", NEW_TOKEN)


def downgrade() -> None:
    _check("sandbox_single_use_tokens", "behaviour", OLD_TOKEN)
    _check("sandbox_cards", "behaviour", OLD_CARD)
    _check("sandbox_charges", "status", OLD_CHARGE)
    with op.batch_alter_table("sandbox_charges", schema=None) as batch_op:
        batch_op.drop_column("return_url")
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=10)
        )
    op.drop_index(op.f("ix_claim_payments_gateway_reference"), table_name="claim_payments")
    op.drop_table("claim_payments")
    _check("claim_notices", "status", OLD_NOTICE)
    with op.batch_alter_table("claim_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_notices_payment_reference"))
        batch_op.drop_column("payment_reference")
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=8)
        )
