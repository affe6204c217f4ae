"""canned replies (macros) per language

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Canned replies: one text per shortcut and language."""
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shortcut", "language", name="uq_canned_replies_shortcut_language"),
    )
    op.create_index("ix_canned_replies_language", "canned_replies", ["language"], unique=False)


def downgrade() -> None:
    """Drop the canned replies."""
    op.drop_index("ix_canned_replies_language", table_name="canned_replies")
    op.drop_table("canned_replies")
