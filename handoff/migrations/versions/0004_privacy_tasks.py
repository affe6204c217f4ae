"""privacy tasks: each store's part of an erasure, retried until the store confirmed it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The ``privacy_tasks`` table."""
    op.create_table(
        "privacy_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=256), nullable=True),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=96), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("privacy_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_tasks_request_id", ["request_id"], unique=False)
        batch_op.create_index("ix_privacy_tasks_status", ["status"], unique=False)


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("privacy_tasks")
