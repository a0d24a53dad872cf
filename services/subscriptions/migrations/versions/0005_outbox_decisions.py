"""lifecycle outbox: `decision` entries (the operator's decision recorded by the service)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 11:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(kinds: str) -> None:
    with op.batch_alter_table("lifecycle_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_lifecycle_outbox_kind"), type_="check")
        name = batch_op.f("ck_lifecycle_outbox_kind")
        batch_op.create_check_constraint(name, f"kind IN ({kinds})")


def upgrade() -> None:
    _kinds("'start', 'modification', 'temporary', 'decision'")


def downgrade() -> None:
    op.execute("DELETE FROM lifecycle_outbox WHERE kind = 'decision'")
    _kinds("'start', 'modification', 'temporary'")
