"""bank account numbers sealed at rest: `account_number` becomes `account_number_encrypted`
(AES-256-GCM with PAYMENTS_DATA_KEY) and `account_last4`

The rows are sealed with the key of the environment the migration runs in (PaymentsSettings):
it must be the key the payments service runs with. The downgrade opens them with that key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-16 10:00:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from services.payments.config import PaymentsSettings, data_box

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

methods = sa.table(
    "payment_methods",
    sa.column("id", sa.String()),
    sa.column("account_number", sa.String()),
    sa.column("account_number_encrypted", sa.Text()),
    sa.column("account_last4", sa.String()),
)


def _rewrite(source: str, change: Callable[[str], dict[str, str | None]]) -> None:
    """Rewrite every row whose `source` column holds a value, one row at a time."""
    if context.is_offline_mode():
        raise RuntimeError("0006 rewrites rows with the data key: run it online, not with --sql")
    bind = op.get_bind()
    column = methods.c[source]
    found = bind.execute(sa.select(methods.c.id, column).where(column.is_not(None))).all()
    for method_id, value in found:
        bind.execute(sa.update(methods).where(methods.c.id == method_id).values(change(value)))


def upgrade() -> None:
    box = data_box(PaymentsSettings())
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_number_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("account_last4", sa.String(length=4), nullable=True))
    _rewrite(
        "account_number",
        lambda number: {
            "account_number_encrypted": box.seal(number),
            "account_last4": number[-4:],
            "account_number": None,
        },
    )
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("account_number")


def downgrade() -> None:
    box = data_box(PaymentsSettings())
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_number", sa.String(length=12), nullable=True))
    _rewrite("account_number_encrypted", lambda sealed: {"account_number": box.open(sealed)})
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_column("account_last4")
        batch_op.drop_column("account_number_encrypted")
