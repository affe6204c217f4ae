"""customer satisfaction ratings and report indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The customer's rating (1-5), comment and when it came, on the handoff it rates."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("csat_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("csat_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("csat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the rating columns."""
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("csat_at")
        batch_op.drop_column("csat_comment")
        batch_op.drop_column("csat_score")
